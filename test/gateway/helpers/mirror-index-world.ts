// A mirror of `acme` over a scripted world (helpers/mirror-world.ts) that lists tags through the
// index: the gateway's real GraphqlIndex asks a stand-in GraphQL server that answers from the
// tags it is given, at the block the test says the index has processed. Tags resolve through a
// counted stand-in for the resolver, so tests can tell what a new block costs with an index.
import type { ApiPromise } from '@polkadot/api';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayContext } from '../../../src/gateway/context';
import { Mirror } from '../../../src/gateway/mirror/mirror';
import type { RepositoryName } from '../../../src/gateway/oci/reference';
import { GraphqlIndex } from '../../../src/gateway/resolve/graphql-index';
import type { MirrorWorld } from './mirror-world';
import { OCI_MANIFEST } from './oci-client';

export interface IndexedWorld {
  /** What chain storage holds: what a pull (and the mirror) resolves a tag to. */
  readonly world: MirrorWorld;
  /** `<space>/<image>:<tag>` → digest, as the index lists them (it may trail the chain). */
  readonly tags: Map<string, string>;
  /** The last block the stand-in index says it has processed. */
  indexedBlock: number;
  /** Queries the index answered. */
  queries: string[];
}

const imageAndTag = (key: string) => {
  const [full, tag] = key.split(':');
  return { image: full.split('/')[1], tag };
};

/** A GraphQL server answering the two queries a mirror asks: the owner's images, and an image's tags with their digests. */
export async function standInIndex(indexed: IndexedWorld): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { query, variables } = JSON.parse(body) as { query: string; variables: { image?: string } };
      indexed.queries.push(query);
      const keys = [...indexed.tags.keys()];
      let data: unknown;
      if (variables.image !== undefined) {
        const tags = keys.filter((key) => imageAndTag(key).image === variables.image).map((key) => ({ name: imageAndTag(key).tag, digest: indexed.tags.get(key) }));
        data = { images: tags.length ? [{ tags }] : [], squidStatus: { height: indexed.indexedBlock } };
      } else {
        data = { images: [...new Set(keys.map((key) => imageAndTag(key).image))].map((name) => ({ name, space: { name: 'acme' } })) };
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, server };
}

/** A mirror of `acme` whose tags are listed by the index at `indexUrl`; `block(n)` announces a newly finalized block. */
export function indexedMirror(world: MirrorWorld, indexUrl: string): { mirror: Mirror; block: (n: number) => void } {
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
  const ctx = {
    resolver: {
      index: new GraphqlIndex(indexUrl),
      owner: async () => ({ spaceId: '1', account: 'alice', claim: { contested: false } }),
      tagDigest: async (name: RepositoryName, tag: string) => {
        world.reads.tagDigest++;
        return world.tags.get(`${name.full}:${tag}`);
      },
    },
    chain: {
      tags: async () => {
        throw new Error('with an index, the mirror lists tags through it');
      },
    },
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
    local: { get: async () => undefined, keep: async () => undefined, markReferenced: async () => undefined },
    log: () => undefined,
  } as unknown as GatewayContext;
  const mirror = new Mirror(ctx, api, ['acme']);
  return { mirror, block: (n) => onHead?.({ number: { toNumber: () => n } }) };
}
