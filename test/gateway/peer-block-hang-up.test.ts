// A block the local store lacks is fetched alone from peers (a trustless request for a block, a
// HEAD's stat of a file). A busy peer (a 429 with a Retry-After) is waited for, up to 6 s in all:
// a client that hangs up meanwhile must end that wait and the fetch at once, as a file's read does,
// not hold them until the peer's waits are over. A peer stand-in that is busy for ever.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type PeerBlobStore, withPeers } from '../../src/gateway/peers/peer-store';
import { BlobNotFoundError, type BlobStore } from '../../src/ipfs';
import { rawBlock, type Block } from './helpers/dag';
import { hangUpDuring } from './helpers/hang-up';

const CASE = { timeout: 30_000 };

/** A local store that holds nothing: every read goes to the peers. */
function emptyStore(): BlobStore {
  const missing = async (cid: string) => Promise.reject(new BlobNotFoundError(cid, 'not held here'));
  return {
    getBlock: missing,
    stat: missing,
    get: missing,
    has: async () => false,
    isPinned: async () => false,
    unpin: async () => undefined,
    blocks: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new BlobNotFoundError('', 'not held here')) }) }),
    ping: async () => undefined,
    close: async () => undefined,
  } as unknown as BlobStore;
}

describe('a block fetched alone from a busy peer', () => {
  let server: http.Server;
  let store: PeerBlobStore;
  let block: Block;
  let asked = 0;

  before(async () => {
    block = await rawBlock(new Uint8Array(64).fill(3));
    // Busy for ever, asking for 5 s each time: without the client's signal a fetch waits 5 s.
    server = http.createServer((_req, res) => {
      asked++;
      res.writeHead(429, { 'Retry-After': '5' }).end('busy');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    store = withPeers(emptyStore(), { peers: [url], log: () => undefined });
  });

  after(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('getBlock ends the busy-peer wait at once when the client hangs up', CASE, async () => {
    const before = asked;
    const took = await hangUpDuring((signal) => store.getBlock(block.cid.toString(), { signal }));
    assert.ok(took < 500, `the block's fetch went on ${Math.round(took)} ms after the client hung up`);
    assert.equal(asked - before, 1, 'the peer was not asked again after the hang-up');
  });

  it('stat of a file no whole read follows (its root block alone) ends at once when the client hangs up', CASE, async () => {
    const took = await hangUpDuring((signal) => store.stat(block.cid.toString(), { wholeReadFollows: false, signal }));
    assert.ok(took < 500, `the root block's fetch went on ${Math.round(took)} ms after the client hung up`);
  });
});
