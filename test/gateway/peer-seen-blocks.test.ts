// What a file's fetch from peers remembers of its blocks stays bounded, however many tiny distinct
// blocks a peer sends: each would otherwise cost a remembered CID (more memory than the few bytes
// of the block itself), and a file of millions of them could exhaust the gateway's memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SeenBlocks } from '../../src/gateway/peers/seen-blocks';
import { ipfsModules } from '../../src/ipfs/esm';
import { rawBlock } from './helpers/dag';

test('remembers at most its bound of CIDs, forgetting the oldest first, and the bytes of the latest', async () => {
  const seen = new SeenBlocks({ maxKeys: 10 });
  const blocks = await Promise.all(Array.from({ length: 100 }, (_, i) => rawBlock(Buffer.from(`block ${i}`))));
  for (const block of blocks) seen.add(block.cid, block.bytes);
  assert.equal(seen.size, 10);
  assert.equal(seen.has(blocks[0].cid), false, 'the oldest is forgotten');
  assert.equal(seen.has(blocks[99].cid), true);
  assert.deepEqual(seen.bytes(blocks[99].cid), blocks[99].bytes);
});

/** 100,000 distinct blocks of a few bytes, as a peer may send for a file recorded so. */
const tinyBlocks = () => Promise.all(Array.from({ length: 100_000 }, (_, i) => rawBlock(Buffer.from(`${i}`))));

test('keeps the bytes of tiny blocks as if each took a kilobyte: the oldest are let go of, their CIDs still remembered', async () => {
  const seen = new SeenBlocks();
  const blocks = await tinyBlocks();
  for (const block of blocks) seen.add(block.cid, block.bytes);
  assert.equal(seen.size, blocks.length);
  assert.equal(seen.bytes(blocks[0].cid), undefined, 'the bytes of 100,000 blocks were kept, counted at their few bytes each');
  assert.equal(seen.has(blocks[0].cid), true);
  assert.deepEqual(seen.bytes(blocks.at(-1)!.cid), blocks.at(-1)!.bytes);
});

test('a remembered CID takes about a hundred bytes of memory, not the kilobyte and a half of the text as multiformats builds it', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const m = await ipfsModules();
  // CIDs as a peer's CAR gives them, decoded from bytes: each object (and the text it caches) is
  // gone once added; what stays is what SeenBlocks keeps.
  const cidBytes = (await tinyBlocks()).map((block) => block.cid.bytes);
  const seen = new SeenBlocks();
  const empty = new Uint8Array(0);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (const bytes of cidBytes) seen.add(m.CID.decode(bytes), empty);
  gc();
  const perCid = (process.memoryUsage().heapUsed - before) / cidBytes.length;
  assert.equal(seen.size, cidBytes.length);
  assert.ok(perCid < 400, `each remembered CID took ${perCid.toFixed(0)} bytes`);
});
