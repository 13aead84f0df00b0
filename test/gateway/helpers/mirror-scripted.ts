// A mirror driven against a scripted chain, index and store, configurable where mirror-world.ts
// is not: content that fails to fetch, indexes with children, several spaces, a contested name,
// an index listing every repository, and a count of every read and write the mirror makes. No
// chain, gateway or socket: each test runs in milliseconds.
import type { GatewayContext } from '../../../src/gateway/context';
import { Mirror } from '../../../src/gateway/mirror/mirror';
import type { RepositoryName } from '../../../src/gateway/oci/reference';
import { DigestHolds } from '../../../src/gateway/storage/digest-holds';
import { digestNumbered, finalizedHeadsOnly, until } from './mirror-world';
import { OCI_MANIFEST } from './oci-client';

export interface ScriptedWorld {
  /** `<space>/<image>:<tag>` → the digest its record names (any string: records are anyone's to write). */
  readonly tags: Map<string, string>;
  /** A manifest digest → the blob digests (10 bytes each) and child manifests it references. */
  readonly manifests: Map<string, { blobs?: string[]; children?: string[] }>;
  /** Manifest digests no one serves: fetching one fails. */
  readonly failing: Set<string>;
  /** With an index: it lists the repositories of every space (the registry's catalog), and each image's tags with their digests. */
  index: boolean;
  /** Without an index: the names are contested, so their tags cannot be listed. */
  contested: boolean;
  readonly counts: { tagDigest: number; catalog: number; manifests: number; keeps: number };
}

export function scriptedWorld(): ScriptedWorld {
  return { tags: new Map(), manifests: new Map(), failing: new Set(), index: false, contested: false, counts: { tagDigest: 0, catalog: 0, manifests: 0, keeps: 0 } };
}

const repositoriesOf = (world: ScriptedWorld) => [...new Set([...world.tags.keys()].map((key) => key.split(':')[0]))];

/** A mirror of `spaces` over `world`; `block(n)` announces a newly finalized block. */
export function scriptedMirror(world: ScriptedWorld, spaces: readonly string[] = ['acme']): { mirror: Mirror; block: (n: number) => void } {
  const { api, announce } = finalizedHeadsOnly();
  let head = 1;
  // The tags grouped by repository, read again at each new block and at most every 50 ms
  // otherwise (a pass lists every image at once; tests change the world, then announce a block).
  let grouped: { at: number; byRepository: Map<string, { tag: string; digest: string }[]> } | undefined;
  const tagsOf = (name: RepositoryName) => {
    if (!grouped || Date.now() - grouped.at > 50) {
      grouped = { at: Date.now(), byRepository: new Map() };
      for (const [key, digest] of world.tags) {
        const [full, tag] = key.split(':');
        const list = grouped.byRepository.get(full) ?? [];
        grouped.byRepository.set(full, list);
        list.push({ tag, digest });
      }
    }
    return grouped.byRepository.get(name.full) ?? [];
  };
  const index = {
    repositories: async () => {
      world.counts.catalog++;
      return repositoriesOf(world);
    },
    tagDigests: async (name: RepositoryName) => ({ tags: tagsOf(name), indexedBlock: head }),
  };
  const ctx = {
    resolver: {
      get index() {
        return world.index ? index : undefined;
      },
      owner: async () => ({ spaceId: '1', account: 'alice', claim: { contested: world.contested } }),
      tagDigest: async (name: RepositoryName, tag: string) => {
        world.counts.tagDigest++;
        return world.tags.get(`${name.full}:${tag}`);
      },
    },
    chain: {
      claim: async (space: string) => ({
        contested: world.contested,
        owner: { imageNames: repositoriesOf(world).filter((full) => full.startsWith(`${space}/`)).map((full) => ({ text: full.slice(space.length + 1) })) },
      }),
      tags: async (name: RepositoryName) => tagsOf(name),
    },
    content: {
      manifest: async (_name: RepositoryName, wanted: string) => {
        world.counts.manifests++;
        await Promise.resolve();
        if (world.failing.has(wanted)) throw new Error(`no peer could send ${wanted}`);
        const { blobs = [], children = [] } = world.manifests.get(wanted) ?? {};
        const parsed = { blobs: blobs.map((digest) => ({ digest, size: 10 })), children: children.map((digest) => ({ digest, size: 2 })) };
        return { digest: wanted, cid: `bafy${wanted.slice(-8)}`, bytes: Buffer.from('{}'), mediaType: OCI_MANIFEST, parsed };
      },
      blob: async (_name: RepositoryName, wanted: string) => ({ digest: wanted, cid: `bafk${wanted.slice(-8)}`, size: 10, verified: true }),
    },
    contents: { vouchManifest: () => undefined },
    uploadAdmission: { limits: { maxBlobBytes: 1 << 30 } },
    store: { isPinned: async () => true, pin: async () => undefined },
    local: {
      holds: new DigestHolds(),
      get: async () => {
        world.counts.keeps++;
        return undefined;
      },
      keep: async () => undefined,
      markReferenced: async () => undefined,
    },
    log: () => undefined,
  } as unknown as GatewayContext;
  const mirror = new Mirror(ctx, api, spaces);
  return {
    mirror,
    block: (n) => {
      head = Math.max(head, n);
      grouped = undefined;
      announce(n);
    },
  };
}

/**
 * A scripted mirror of `acme` with `images` images of `tagsPerImage` tags each, every one mirrored
 * and the first pass over (what a contested name or a status flood then acts on).
 */
export async function mirroredCrowd(images: number, tagsPerImage: number): Promise<{ world: ScriptedWorld; mirror: Mirror; block: (n: number) => void }> {
  const world = scriptedWorld();
  for (let i = 0; i < images; i++) for (let t = 0; t < tagsPerImage; t++) world.tags.set(`acme/i${i}:t${t}`, digestNumbered(1));
  const it = scriptedMirror(world);
  await it.mirror.start();
  await until('every tag is mirrored', () => it.mirror.status(), (s) => s.mirrored === images * tagsPerImage, 30_000);
  await it.mirror.settled();
  return { world, ...it };
}
