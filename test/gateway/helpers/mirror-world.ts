// A mirror driven against a scripted chain and store: what the chain lists (tags and their
// digests), what each manifest references, and a count of every read the mirror makes, so tests
// can tell what a new block costs. No chain, gateway or socket: each test runs in milliseconds.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type { ApiPromise } from '@polkadot/api';
import type { GatewayContext } from '../../../src/gateway/context';
import { Mirror } from '../../../src/gateway/mirror/mirror';
import type { RepositoryName } from '../../../src/gateway/oci/reference';
import { OCI_MANIFEST } from './oci-client';
import { DigestHolds } from '../../../src/gateway/storage/digest-holds';

export interface MirrorWorld {
  /** `<space>/<image>:<tag>` → digest. */
  readonly tags: Map<string, string>;
  /** A manifest digest → the blob digests it references (each 10 bytes). */
  readonly manifests: Map<string, string[]>;
  /** Reads the mirror made, by kind. */
  readonly reads: { tagDigest: number; tagScans: number; manifests: string[]; blobs: string[] };
}

/** What `read` gives once `done` holds for it, polled every 20 ms; fails naming `what` and the last value after `ms`. */
export async function until<T>(what: string, read: () => T, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (done(value)) return value;
    assert.ok(Date.now() < deadline, `${what}; last seen ${JSON.stringify(value).slice(0, 1_000)}`);
    await delay(20);
  }
}

export const digestNumbered = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

export function mirrorWorld(): MirrorWorld {
  return { tags: new Map(), manifests: new Map(), reads: { tagDigest: 0, tagScans: 0, manifests: [], blobs: [] } };
}

/** A mirror of `acme` over `world`; `block(n)` announces a newly finalized block. */
export function scriptedMirror(world: MirrorWorld): { mirror: Mirror; block: (n: number) => void } {
  const imagesOf = () => [...new Set([...world.tags.keys()].map((key) => key.split(':')[0].split('/')[1]))];
  return mirrorOver(world, {
    index: undefined,
    chain: {
      claim: async () => ({ contested: false, owner: { imageNames: imagesOf().map((text) => ({ text })) } }),
      tags: async (name: RepositoryName) => {
        world.reads.tagScans++;
        return [...world.tags.entries()].filter(([key]) => key.startsWith(`${name.full}:`)).map(([key, digest]) => ({ tag: key.slice(name.full.length + 1), digest }));
      },
    },
  });
}

/**
 * A mirror of `acme` over `world` that lists tags through `index` (none: chain storage, as
 * `chain` answers) and resolves them through a counted stand-in for the resolver; manifests and
 * blobs come from `world`, every read counted.
 */
export function mirrorOver(world: MirrorWorld, listing: { index: unknown; chain: unknown }): { mirror: Mirror; block: (n: number) => void } {
  const { api, announce } = finalizedHeadsOnly();
  const ctx = {
    resolver: {
      index: listing.index,
      owner: async () => ({ spaceId: '1', account: 'alice', claim: { contested: false } }),
      tagDigest: async (name: RepositoryName, tag: string) => {
        world.reads.tagDigest++;
        return world.tags.get(`${name.full}:${tag}`);
      },
    },
    chain: listing.chain,
    content: {
      manifest: async (_name: RepositoryName, wanted: string) => {
        world.reads.manifests.push(wanted);
        const blobs = (world.manifests.get(wanted) ?? []).map((digest) => ({ digest, size: 10 }));
        return { digest: wanted, cid: `bafy${wanted.slice(-8)}`, bytes: Buffer.from('{}'), mediaType: OCI_MANIFEST, parsed: { blobs, children: [] } };
      },
      blob: async (_name: RepositoryName, wanted: string) => {
        world.reads.blobs.push(wanted);
        return { digest: wanted, cid: `bafk${wanted.slice(-8)}`, size: 10, verified: true };
      },
    },
    contents: { vouchManifest: () => undefined },
    uploadAdmission: { limits: { maxBlobBytes: 1 << 30 } },
    store: { isPinned: async () => true, pin: async () => undefined },
    local: { holds: new DigestHolds(), get: async () => undefined, keep: async () => undefined, markReferenced: async () => undefined },
    log: () => undefined,
  } as unknown as GatewayContext;
  const mirror = new Mirror(ctx, api, ['acme']);
  return { mirror, block: announce };
}

/** An ApiPromise that only announces finalized heads (block 1 at once): `announce(n)` sends block n. */
export function finalizedHeadsOnly(): { api: ApiPromise; announce(n: number): void } {
  let onHead: ((header: { number: { toNumber(): number } }) => void) | undefined;
  const api = {
    rpc: {
      chain: {
        subscribeFinalizedHeads: async (callback: typeof onHead) => {
          onHead = callback;
          callback!({ number: { toNumber: () => 1 } });
          return () => (onHead = undefined);
        },
      },
    },
  } as unknown as ApiPromise;
  return { api, announce: (n) => onHead?.({ number: { toNumber: () => n } }) };
}
