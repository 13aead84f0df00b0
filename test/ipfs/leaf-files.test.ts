// The embedded store's leaf files (src/ipfs/embedded/leaf-files.ts): a file imported with
// importLeavesElsewhere and handed over with adoptFile gets the same CID as an ordinary add,
// stores no leaf blocks, reads back whole and in ranges, is pinned, and goes with the garbage
// once unpinned. Files that are wrong for the CID are refused and left where they were.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStoreError, EmbeddedBlobStore } from '../../src/ipfs';
import { CHUNK, collect, pieces } from './helpers/bytes';
import { blockFiles, openStorePair, type StorePair } from './helpers/store-files';

/** A moment after every file written so far (file times have a coarse clock). */
const soon = () => Date.now() + 2000;

/** blockstore-fs's block files under `blocks/`. */
describe('embedded store leaf files', () => {
  let work: string;
  let ipfsDir: string;
  let store: EmbeddedBlobStore;
  let reference: EmbeddedBlobStore;
  let n = 0;

  let pair: StorePair | undefined;

  before(async () => {
    pair = await openStorePair('hcr-leaf-files-');
    ({ work, ipfsDir, store, reference } = pair);
  });
  after(async () => {
    await pair?.close();
  });

  /** The bytes written to a file of their own, as the gateway's upload file holds them. */
  function fileOf(bytes: Buffer): string {
    const file = join(work, `upload-${++n}`);
    writeFileSync(file, bytes);
    return file;
  }

  it('gives the CID an ordinary add gives, writes only the non-leaf blocks, and reads back from the file', async () => {
    const bytes = randomBytes(4 * CHUNK + 12_345);
    const before = blockFiles(ipfsDir).length;
    const imported = await store.importLeavesElsewhere(pieces(bytes, 100_000));
    assert.equal(imported.cid, (await reference.put([bytes], { pin: false })).cid, 'the CID is the one Kubo and put() give');
    assert.equal(imported.size, bytes.length);
    // Five leaves and one root: only the root was written.
    assert.equal(blockFiles(ipfsDir).length - before, 1);
    assert.equal(await store.has(imported.cid), false, 'without its leaves the file is incomplete');
    assert.equal(await store.isPinned(imported.cid), false);

    const file = fileOf(bytes);
    const moved = await store.adoptFile(imported.cid, file);
    assert.equal(moved, join(ipfsDir, 'files', imported.cid));
    assert.equal(existsSync(file), false, 'the file was moved, not copied');
    assert.ok(readFileSync(moved!).equals(bytes));
    assert.equal(await store.has(imported.cid), true);
    assert.equal(await store.isPinned(imported.cid), true);
    assert.deepEqual(await store.stat(imported.cid), { size: bytes.length });
    assert.ok((await collect(await store.get(imported.cid))).equals(bytes));
    const range = await collect(await store.get(imported.cid, { offset: CHUNK - 10, length: CHUNK + 20 }));
    assert.ok(range.equals(bytes.subarray(CHUNK - 10, 2 * CHUNK + 10)), 'a range across leaves');
  });

  it('serves the blocks of a file kept as leaves: depth-first from the file, and one by one once a walk reached them', async () => {
    const bytes = randomBytes(3 * CHUNK + 99);
    const imported = await store.importLeavesElsewhere([bytes]);
    await store.adoptFile(imported.cid, fileOf(bytes));
    const blocks = [];
    for await (const block of store.blocks(imported.cid)) blocks.push(block);
    const leaves = blocks.filter((block) => block.cid.code === 0x55);
    assert.equal(leaves.length, 4);
    assert.ok(Buffer.concat(leaves.map((leaf) => leaf.bytes)).equals(bytes));
    // A fresh store on the same dir knows no leaf's place until it reads the root, as clients do.
    const fresh = await EmbeddedBlobStore.open(ipfsDir);
    try {
      await assert.rejects(fresh.getBlock(leaves[2].cid.toString()), /not in the embedded IPFS store/);
      assert.ok(Buffer.from(await fresh.getBlock(imported.cid)).equals(Buffer.from(blocks[0].bytes)));
      for (const leaf of leaves) assert.ok(Buffer.from(await fresh.getBlock(leaf.cid.toString())).equals(Buffer.from(leaf.bytes)));
    } finally {
      await fresh.close();
    }
  });

  it('stores a one-block file as its block and leaves the file to the caller', async () => {
    const bytes = randomBytes(1000);
    const imported = await store.importLeavesElsewhere([bytes]);
    assert.equal(imported.cid, (await reference.put([bytes], { pin: false })).cid);
    const file = fileOf(bytes);
    assert.equal(await store.adoptFile(imported.cid, file), undefined);
    assert.ok(existsSync(file), 'the caller keeps its file');
    assert.equal(await store.isPinned(imported.cid), true);
    assert.ok((await collect(await store.get(imported.cid))).equals(bytes));
  });

  it('refuses a file that does not hold the imported bytes, and leaves it where it was', async () => {
    const bytes = randomBytes(2 * CHUNK + 1);
    const imported = await store.importLeavesElsewhere([bytes]);
    const short = fileOf(bytes.subarray(1));
    await assert.rejects(store.adoptFile(imported.cid, short), (error: unknown) => error instanceof BlobStoreError && /has 524288 bytes but .* is a file of 524289/.test((error as Error).message));
    assert.ok(existsSync(short));
    assert.equal(await store.isPinned(imported.cid), false);

    const small = randomBytes(500);
    const one = await store.importLeavesElsewhere([small]);
    const other = fileOf(randomBytes(500));
    await assert.rejects(store.adoptFile(one.cid, other), /does not hold the bytes of/);
    assert.ok(existsSync(other));
    const large = fileOf(randomBytes(CHUNK + 1));
    await assert.rejects(store.adoptFile(one.cid, large), /has 262145 bytes but .* is a single block of at most 262144/);
    assert.ok(existsSync(large));
    assert.equal(await store.has(one.cid), false);
  });

  it('collects the leaf file of an unpinned file and keeps the pinned ones', async () => {
    const keptBytes = randomBytes(3 * CHUNK);
    const goneBytes = randomBytes(3 * CHUNK + 7);
    const kept = await store.importLeavesElsewhere([keptBytes]);
    const gone = await store.importLeavesElsewhere([goneBytes]);
    await store.adoptFile(kept.cid, fileOf(keptBytes));
    const goneFile = await store.adoptFile(gone.cid, fileOf(goneBytes));
    await store.unpin(gone.cid);

    const result = await store.collectGarbage(soon());
    assert.equal(result.removedLeafFiles, 1);
    assert.ok(result.freedBytes >= goneBytes.length);
    assert.equal(existsSync(goneFile!), false);
    assert.equal(await store.has(gone.cid), false);
    assert.ok((await collect(await store.get(kept.cid))).equals(keptBytes), 'the pinned file is whole');
    assert.equal((await store.collectGarbage(soon())).removedLeafFiles, 0, 'a second run finds nothing more');
  });

  it('counts a leaf file as written when it is adopted, so a collection elsewhere keeps it until pinned', async () => {
    const bytes = randomBytes(2 * CHUNK);
    const imported = await store.importLeavesElsewhere([bytes]);
    // An upload that began two hours ago: its file was last written then.
    const file = fileOf(bytes);
    const twoHoursAgo = new Date(Date.now() - 7_200_000);
    utimesSync(file, twoHoursAgo, twoHoursAgo);
    const moved = await store.adoptFile(imported.cid, file);
    assert.ok(Date.now() - statSync(moved!).mtimeMs < 60_000);
    // Unpinned again, it is still younger than an hour-old cut-off.
    await store.unpin(imported.cid);
    const result = await store.collectGarbage(Date.now() - 3_600_000);
    assert.equal(result.removedLeafFiles, 0);
    assert.ok(existsSync(moved!));
  });
});
