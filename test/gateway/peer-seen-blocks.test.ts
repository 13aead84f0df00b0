// What a file's fetch from peers remembers of its blocks stays bounded, however many tiny distinct
// blocks a peer sends: each would otherwise cost a remembered CID (more memory than the few bytes
// of the block itself), and a file of millions of them could exhaust the gateway's memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeenBlocks } from '../../src/gateway/peers/seen-blocks';
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
