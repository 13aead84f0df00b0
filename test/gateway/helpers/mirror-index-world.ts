// A mirror of `acme` over a scripted world (helpers/mirror-world.ts) that lists tags through the
// index: the gateway's real GraphqlIndex asks a stand-in GraphQL server that answers from the
// tags it is given, at the block the test says the index has processed. Tags resolve through a
// counted stand-in for the resolver, so tests can tell what a new block costs with an index.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Mirror } from '../../../src/gateway/mirror/mirror';
import { GraphqlIndex } from '../../../src/gateway/resolve/graphql-index';
import { mirrorOver, type MirrorWorld } from './mirror-world';

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
  return mirrorOver(world, {
    index: new GraphqlIndex(indexUrl),
    chain: {
      tags: async () => {
        throw new Error('with an index, the mirror lists tags through it');
      },
    },
  });
}
