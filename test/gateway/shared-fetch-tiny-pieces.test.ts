// A shared peer fetch of a file recorded with leaves of a few bytes: anyone can record a digest's
// CID as such a DAG, and every block of it checks out, so the fetch gets hundreds of thousands of
// pieces. Reading them must cost time in proportion to their number (not to its square: a scan of
// every piece held, for each piece read, took 66 s for 100,000 of them here), and each piece must
// count against the shared fetches' memory bound for more than its few bytes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, test } from 'node:test';
import type { FetchTicket } from '../../src/gateway/peers/fetched-pins';
import { SharedFetch, sharedFetchBounds } from '../../src/gateway/peers/shared-fetch';

const PIECE = 4;
const boundBefore = sharedFetchBounds.memoryBytes;
afterEach(() => {
  sharedFetchBounds.memoryBytes = boundBefore;
});

/** The i-th piece: four bytes that differ from piece to piece, so bytes out of order change the hash. */
const pieceOf = (i: number) => new Uint8Array(new Uint32Array([i]).buffer);

/** The pieces from `from` to `count`. */
async function* piecesFrom(from: number, count: number): AsyncGenerator<Uint8Array> {
  for (let i = from; i < count; i++) yield pieceOf(i);
}

/**
 * A shared fetch over a file of `count` tiny pieces, as the peers' verified blocks would give it;
 * `rest` counts the readers that went on by themselves (from a piece's start: the pieces are whole).
 */
function tinyPieceFetch(count: number, alone = { readers: 0 }): SharedFetch {
  return new SharedFetch({
    cid: 'bafybeitinyleaves',
    log: () => undefined,
    start: async () => ({
      size: count * PIECE,
      bytes: piecesFrom(0, count),
      follow: () => undefined,
      cancel: async () => undefined,
    }),
    rest: (from) => {
      alone.readers += 1;
      assert.equal(from % PIECE, 0);
      return piecesFrom(from / PIECE, count);
    },
  });
}

const ticket = { stored: async () => undefined, checked: async () => undefined } as unknown as FetchTicket;

test('a file of 150,000 pieces of 4 bytes is read whole, in order, in time linear in its pieces', { timeout: 60_000 }, async () => {
  // Room for all of them: the fetch holds them all (the file's start, for reads yet to join).
  sharedFetchBounds.memoryBytes = 1024 * 1024 * 1024;
  const count = 150_000;
  const expected = createHash('sha256');
  for (let i = 0; i < count; i++) expected.update(pieceOf(i));
  const alone = { readers: 0 };
  const read = (await tinyPieceFetch(count, alone).join(() => ticket))!;
  const actual = createHash('sha256');
  let bytes = 0;
  for await (const chunk of read) {
    actual.update(chunk);
    bytes += chunk.length;
  }
  assert.equal(bytes, count * PIECE);
  assert.equal(actual.digest('hex'), expected.digest('hex'));
  assert.equal(alone.readers, 0, 'the reader was read from the shared pieces');
});

test('tiny pieces count for more than their bytes: past the bound the fetch lets go of what it holds, and the read goes on', async () => {
  sharedFetchBounds.memoryBytes = 16 * 1024 * 1024;
  const count = 50_000;
  const expected = createHash('sha256');
  for (let i = 0; i < count; i++) expected.update(pieceOf(i));
  const alone = { readers: 0 };
  const shared = tinyPieceFetch(count, alone);
  const read = (await shared.join(() => ticket))!;
  assert.equal(shared.joinable, true);
  let bytes = 0;
  let mostHeld = 0;
  const actual = createHash('sha256');
  for await (const chunk of read) {
    actual.update(chunk);
    bytes += chunk.length;
    mostHeld = Math.max(mostHeld, shared.held);
    // 20,000 pieces are 80 KB of bytes, and far more than 16 MiB of objects.
    if (bytes === 20_000 * PIECE) assert.equal(shared.joinable, false, 'the fetch still holds the file\'s start past the bound');
  }
  assert.equal(bytes, count * PIECE);
  assert.equal(actual.digest('hex'), expected.digest('hex'), 'the bytes after the reader went on by itself are not the file\'s');
  assert.equal(alone.readers, 1, 'the reader went on from its byte on a fetch of its own');
  assert.ok(mostHeld <= sharedFetchBounds.memoryBytes, `the fetch held ${mostHeld} bytes' worth`);
});
