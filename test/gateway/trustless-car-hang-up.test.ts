// A CAR answer whose client hangs up while the store's walk waits on a read (a Kubo node
// searching the network for a block, up to its lookup timeout): the walk ends then, rather than
// when the read does; and so does the lookup of the block asked for itself (peers, a busy one's
// Retry-After). The store here stands in for one whose reads of blocks under the root
// never answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { CID } from 'multiformats/cid';
import { ipfsModules } from '../../src/ipfs/esm';
import { dagBlocks } from '../../src/ipfs/dag-blocks';
import { BlobNotFoundError, type BlobStore } from '../../src/ipfs';
import type { RecordedCids } from '../../src/gateway/trustless/recorded-cids';
import { trustlessRoutes } from '../../src/gateway/trustless/routes';
import { rawBlock, unixfsNode } from './helpers/dag';

const everything = { allows: async () => true, learning: false, allowChildren: () => undefined } as unknown as RecordedCids;

describe('trustless gateway: a CAR whose client hangs up while a block is being looked for', () => {
  let server: Server;
  let base: string;
  let root: CID;
  const walks: { ended: boolean }[] = [];
  const lookups: { ended: boolean }[] = [];
  let waitedFor: CID;

  before(async () => {
    const m = await ipfsModules();
    const leaves = await Promise.all([rawBlock(new Uint8Array([1])), rawBlock(new Uint8Array([2]))]);
    const node = await unixfsNode('file', leaves.map((leaf) => ({ cid: leaf.cid, size: 1 })));
    root = node.cid;
    waitedFor = (await rawBlock(new Uint8Array([3]))).cid;
    // The root answers; a leaf is looked for without end.
    const read = (cid: CID) => (cid.equals(root) ? Promise.resolve(node.bytes) : new Promise<undefined>(() => undefined));
    const store = {
      getBlock: async (text: string, options: { signal?: AbortSignal } = {}) => {
        if (m.CID.parse(text).equals(root)) return node.bytes;
        if (text === waitedFor.toString()) {
          // Looked for on peers without end, until the reader is gone.
          const lookup = { ended: false };
          lookups.push(lookup);
          try {
            await new Promise((_, reject) => options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true }));
          } finally {
            lookup.ended = true;
          }
        }
        throw new BlobNotFoundError(text, `block ${text} is not held`);
      },
      blocks: (text: string, options: { range?: { start: number; end: number }; once?: boolean; signal?: AbortSignal } = {}) => {
        const walk = { ended: false };
        walks.push(walk);
        return (async function* () {
          try {
            yield* dagBlocks(m, m.CID.parse(text), read, options.range, { once: options.once, signal: options.signal });
          } finally {
            walk.ended = true;
          }
        })();
      },
    } as unknown as BlobStore;
    const app = express();
    const log = () => undefined;
    app.use(trustlessRoutes({ store, recorded: everything, log }, log));
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => server?.close());

  it('ends the walk when the client hangs up, not when the read it waits on ends', async () => {
    const client = new AbortController();
    const response = await fetch(`${base}/ipfs/${root}?format=car`, { signal: client.signal });
    assert.equal(response.status, 200);
    // The header and the root come; then the walk waits on the first leaf.
    const reader = response.body!.getReader();
    assert.ok((await reader.read()).value);
    assert.equal(walks.length, 1);
    client.abort();
    const deadline = Date.now() + 3000;
    while (!walks[0].ended && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(walks[0].ended, 'the walk still waits on a read for a client gone');
  });

  it('ends the lookup of the root block asked for (raw) when the client hangs up', async () => {
    const client = new AbortController();
    const asked = fetch(`${base}/ipfs/${waitedFor}?format=raw`, { signal: client.signal }).catch(() => undefined);
    const deadline = Date.now() + 3000;
    while (lookups.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(lookups.length, 1, 'the block was never looked for');
    client.abort();
    await asked;
    while (!lookups[0].ended && Date.now() < deadline + 3000) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(lookups[0].ended, 'the lookup still waits for a client gone');
  });
});
