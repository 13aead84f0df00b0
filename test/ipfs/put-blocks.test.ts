// EmbeddedBlobStore.putBlocks with blocks as a peer sends them (depth-first): a file whose raw
// leaves are exactly its bytes is kept as one leaf file (leaf-assembly.ts), anything else block
// by block as before. Either way the file reads back byte for byte, is pinned, and goes with the
// garbage once unpinned; an abort leaves no file behind and pins nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { BlobNotFoundError, EmbeddedBlobStore, type GarbageCollection } from '../../src/ipfs';
import { type DagBlock, dagBlocks } from '../../src/ipfs/dag-blocks';
import { ipfsModules } from '../../src/ipfs/esm';
import { CHUNK, collect, MiB } from './helpers/bytes';
import { each } from './helpers/dag';
import { blockFiles, openStorePair, type StorePair } from './helpers/store-files';

const RAW = 0x55;
/** The stores' import settings (KUBO_IMPORT) but for the chunker and layout importedBlocks sets. */
const KUBO = { cidVersion: 1, rawLeaves: true, reduceSingleLeafToSelf: true };
/** A moment after every file written so far (file times have a coarse clock). */
const soon = () => Date.now() + 2000;

function leafDir(ipfsDir: string): string[] {
  const files = join(ipfsDir, 'files');
  return existsSync(files) ? readdirSync(files) : [];
}

/** Each block once, at its first place: what a CAR with `dups=n` carries. */
function distinct(blocks: readonly DagBlock[]): DagBlock[] {
  const seen = new Set<string>();
  return blocks.filter((block) => {
    const key = block.cid.toV1().toString();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A file's blocks depth-first, each at every place, from an importer run with `options`. */
async function importedBlocks(bytes: Uint8Array, options: Record<string, unknown>): Promise<{ root: CID; blocks: DagBlock[] }> {
  const [m, { importBytes }, { MemoryBlockstore }] = await Promise.all([ipfsModules(), import('ipfs-unixfs-importer'), import('blockstore-core/memory')]);
  const memory = new MemoryBlockstore();
  const { cid } = await importBytes(bytes, memory, { chunker: m.fixedSize({ chunkSize: CHUNK }), layout: m.balanced({ maxChildrenPerNode: 174 }), ...options });
  const blocks: DagBlock[] = [];
  const read = async (block: CID) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of memory.get(block)) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  for await (const block of dagBlocks(m, cid, read)) blocks.push({ cid: block.cid, bytes: block.bytes });
  return { root: cid, blocks };
}

describe('embedded store putBlocks', { timeout: 300_000 }, () => {
  let work: string;
  let ipfsDir: string;
  let store: EmbeddedBlobStore;
  let reference: EmbeddedBlobStore;

  let pair: StorePair | undefined;

  before(async () => {
    pair = await openStorePair('hcr-put-blocks-');
    ({ work, ipfsDir, store, reference } = pair);
  });
  after(async () => {
    await pair?.close();
  });

  /** The file's blocks depth-first, each at every place, as another embedded store serves them. */
  async function blocksOf(bytes: Buffer): Promise<{ cid: string; blocks: DagBlock[] }> {
    const { cid } = await reference.put([bytes], { pin: false });
    const blocks: DagBlock[] = [];
    for await (const block of reference.blocks(cid)) blocks.push(block);
    return { cid, blocks };
  }

  /** What every stored file must show, whichever way it was kept. */
  async function assertStored(cid: string, bytes: Buffer, rawLeaves = true): Promise<void> {
    assert.equal(await store.isPinned(cid), true, 'pinned');
    assert.equal(await store.has(cid), true);
    assert.deepEqual(await store.stat(cid), { size: bytes.length });
    assert.ok((await collect(await store.get(cid))).equals(bytes), 'get returns the bytes');
    if (bytes.length > 10) {
      const range = await collect(await store.get(cid, { offset: 3, length: bytes.length - 7 }));
      assert.ok(range.equals(bytes.subarray(3, bytes.length - 4)), 'a range');
    }
    const walked: DagBlock[] = [];
    for await (const block of store.blocks(cid)) walked.push(block);
    if (rawLeaves) assert.ok(Buffer.concat(walked.filter((block) => block.cid.code === RAW).map((block) => block.bytes)).equals(bytes), 'blocks() gives the leaves in order');
    for (const block of distinct(walked)) assert.ok(Buffer.from(await store.getBlock(block.cid.toString())).equals(Buffer.from(block.bytes)), `getBlock ${block.cid}`);
    assert.deepEqual(leafDir(ipfsDir).filter((name) => name.startsWith('.')), [], 'no file being assembled is left');
  }

  /** Stores `delivered` and checks the outcome; `leafFile` says which layout is expected. */
  async function putAndCheck(cid: string, bytes: Buffer, delivered: readonly DagBlock[], leafFile: boolean): Promise<void> {
    const blockFilesBefore = blockFiles(ipfsDir).length;
    const put = await store.putBlocks(cid, each(delivered));
    assert.deepEqual(put, { cid, size: bytes.length });
    const file = join(ipfsDir, 'files', put.cid);
    const nodes = distinct(delivered).filter((block) => block.cid.code !== RAW).length;
    if (leafFile) {
      assert.ok(existsSync(file), 'kept as a leaf file');
      assert.ok(readFileSync(file).equals(bytes), 'the leaf file holds exactly the bytes');
      assert.ok(blockFiles(ipfsDir).length - blockFilesBefore <= nodes, 'no block file per leaf');
    } else {
      assert.equal(existsSync(file), false, 'kept as blocks');
    }
    await assertStored(put.cid, bytes);
  }

  const fast: [string, () => Buffer][] = [
    ['1 byte', () => randomBytes(1)],
    ['under a chunk', () => randomBytes(100_000)],
    ['exactly a chunk', () => randomBytes(CHUNK)],
    ['a chunk and a byte', () => randomBytes(CHUNK + 1)],
    ['several MiB of random bytes', () => randomBytes(6 * MiB + 12_345)],
    ['more than 174 chunks (two levels of nodes)', () => randomBytes(180 * CHUNK + 7)],
  ];
  for (const [name, make] of fast) {
    it(`keeps ${name} as it should be kept`, async () => {
      const bytes = make();
      const { cid, blocks } = await blocksOf(bytes);
      // One chunk or less is one raw block: kept as that block.
      await putAndCheck(cid, bytes, blocks, bytes.length > CHUNK);
    });
  }

  it('keeps an empty file as its one block', async () => {
    const { cid, blocks } = await blocksOf(Buffer.alloc(0));
    await putAndCheck(cid, Buffer.alloc(0), blocks, false);
  });

  it('keeps identical chunks as a leaf file whether each repeat is sent or only the first', async () => {
    const zeros = Buffer.alloc(5 * MiB);
    const { root, blocks } = await importedBlocks(zeros, KUBO);
    const cid = root.toString();
    assert.equal(distinct(blocks).length, 2, 'a root and one leaf');
    await putAndCheck(cid, zeros, distinct(blocks), true);
    await store.unpin(cid);
    await store.collectGarbage(soon());
    assert.equal(await store.has(cid), false);
    await putAndCheck(cid, zeros, blocks, true);
  });

  it('fills repeats that are not next to each other, and repeated nodes, from what came first', async () => {
    const a = randomBytes(CHUNK);
    const b = randomBytes(CHUNK);
    const zero = Buffer.alloc(CHUNK);
    // Nodes of 8 links instead of Kubo's 174 give the same shape in 26 chunks instead of 524:
    // the first node holds the scattered repeats, then 8 zero chunks twice over make one node of
    // the second level recur whole. The store follows the links whatever their number.
    const fanOut = 8;
    const bytes = Buffer.concat([a, zero, zero, b, zero, a, ...Array(fanOut - 6 + 2 * fanOut).fill(zero), b, randomBytes(1000)]);
    const m = await ipfsModules();
    const { root, blocks } = await importedBlocks(bytes, { ...KUBO, layout: m.balanced({ maxChildrenPerNode: fanOut }) });
    const cid = root.toString();
    const nodes = distinct(blocks).filter((block) => block.cid.code !== RAW);
    assert.ok(nodes.length < blocks.filter((block) => block.cid.code !== RAW).length, 'a node recurs');
    await putAndCheck(cid, bytes, distinct(blocks), true);
    await store.unpin(cid);
    await store.collectGarbage(soon());
    await putAndCheck(cid, bytes, blocks, true);
    // Some repeats sent, others not.
    await store.unpin(cid);
    await store.collectGarbage(soon());
    let n = 0;
    const seen = new Set<string>();
    const some = blocks.filter((block) => {
      const key = block.cid.toString();
      const repeat = seen.has(key);
      seen.add(key);
      return !repeat || n++ % 3 === 0;
    });
    await putAndCheck(cid, bytes, some, true);
  });

  it('keeps a CIDv0 file with raw leaves as a leaf file, read by either CID', async () => {
    const bytes = randomBytes(3 * CHUNK + 5);
    const { root, blocks } = await importedBlocks(bytes, { cidVersion: 0, rawLeaves: true });
    assert.equal(root.version, 0);
    const put = await store.putBlocks(root.toString(), each(blocks));
    assert.equal(put.cid, root.toV1().toString());
    assert.ok(existsSync(join(ipfsDir, 'files', put.cid)));
    await assertStored(put.cid, bytes);
    assert.ok((await collect(await store.get(root.toString()))).equals(bytes));
  });

  it('stores block by block a file whose leaves are dag-pb nodes with data (CIDv0, no raw leaves)', async () => {
    const bytes = randomBytes(3 * CHUNK + 5);
    const { root, blocks } = await importedBlocks(bytes, { cidVersion: 0, rawLeaves: false });
    const put = await store.putBlocks(root.toString(), each(blocks));
    assert.equal(existsSync(join(ipfsDir, 'files', put.cid)), false);
    assert.equal(await store.isPinned(put.cid), true);
    assert.ok((await collect(await store.get(root.toString()))).equals(bytes));
    assert.deepEqual(leafDir(ipfsDir).filter((name) => name.startsWith('.')), []);
  });

  it('stores block by block a file whose root carries data of its own', async () => {
    const bytes = randomBytes(1000);
    const { root, blocks } = await importedBlocks(bytes, { cidVersion: 1, rawLeaves: false, reduceSingleLeafToSelf: false });
    assert.equal(root.code, 0x70);
    const put = await store.putBlocks(root.toString(), each(blocks));
    assert.equal(existsSync(join(ipfsDir, 'files', put.cid)), false);
    await assertStored(put.cid, bytes, false);
  });

  it('stores block by block when leaves come out of order, never a wrong leaf file', async () => {
    const bytes = randomBytes(5 * CHUNK + 3);
    const { cid, blocks } = await blocksOf(bytes);
    // The third and fourth leaves swapped, after two were written to the leaf file.
    const swapped = [...blocks];
    [swapped[3], swapped[4]] = [swapped[4], swapped[3]];
    await putAndCheck(cid, bytes, swapped, false);
    await store.unpin(cid);
    await store.collectGarbage(soon());
    // Leaves before the nodes above them, as an importer writes them.
    await putAndCheck(cid, bytes, [...blocks.slice(1), blocks[0]], false);
  });

  it('refuses to pin a file with a leaf missing, and leaves nothing behind', async () => {
    const bytes = randomBytes(4 * CHUNK);
    const { cid, blocks } = await blocksOf(bytes);
    await assert.rejects(store.putBlocks(cid, each(blocks.filter((_, i) => i !== 3))), BlobNotFoundError);
    assert.equal(await store.isPinned(cid), false);
    assert.equal(existsSync(join(ipfsDir, 'files', cid)), false);
    assert.deepEqual(leafDir(ipfsDir).filter((name) => name.startsWith('.')), []);
    // The blocks that came are kept (unpinned) as before: the missing one completes the file.
    await store.putBlocks(cid, each([blocks[0], blocks[3]]));
    assert.ok((await collect(await store.get(cid))).equals(bytes));
  });

  it('leaves no file and no pin when aborted or failing mid-way', async () => {
    const bytes = randomBytes(6 * MiB);
    const { cid, blocks } = await blocksOf(bytes);
    const controller = new AbortController();
    async function* aborting() {
      for (const [i, block] of blocks.entries()) {
        if (i === 10) controller.abort(new Error('the client went away'));
        yield block;
      }
    }
    await assert.rejects(store.putBlocks(cid, aborting(), { signal: controller.signal }), /the client went away/);
    async function* failing() {
      yield* blocks.slice(0, 12);
      throw new Error('the peer hung up');
    }
    await assert.rejects(store.putBlocks(cid, failing()), /the peer hung up/);
    assert.equal(await store.isPinned(cid), false);
    assert.equal(existsSync(join(ipfsDir, 'files', cid)), false);
    assert.deepEqual(leafDir(ipfsDir).filter((name) => name.startsWith('.')), []);
  });

  it('keeps a file being put through a collection, keeps it while pinned and collects it once unpinned', async () => {
    const bytes = randomBytes(4 * MiB + 1);
    const { cid, blocks } = await blocksOf(bytes);
    let collection: GarbageCollection | undefined;
    async function* collectingMidway() {
      for (const [i, block] of blocks.entries()) {
        // Half the leaves are written, the nodes stored, nothing pinned yet.
        if (i === 8) collection = await store.collectGarbage(soon());
        yield block;
      }
    }
    await store.putBlocks(cid, collectingMidway());
    assert.ok(collection);
    assert.equal(collection.removedBlocks, 0);
    assert.equal(collection.removedLeafFiles, 0, 'the file being assembled is kept');
    await assertStored(cid, bytes);
    assert.equal(statSync(join(ipfsDir, 'files', cid)).size, bytes.length);

    const kept = await store.collectGarbage(soon());
    assert.equal(kept.removedLeafFiles, 0, 'pinned: kept');
    await assertStored(cid, bytes);
    await store.unpin(cid);
    const gone = await store.collectGarbage(soon());
    assert.equal(gone.removedLeafFiles, 1);
    assert.ok(gone.removedBlocks >= 1, 'the root node goes too');
    assert.equal(await store.has(cid), false);
    await assert.rejects(store.get(cid), BlobNotFoundError);
  });

  it('serves the leaves of a file it put by their CIDs from a fresh open, once a walk reached them', async () => {
    const bytes = randomBytes(3 * CHUNK + 99);
    const { cid, blocks } = await blocksOf(bytes);
    await store.putBlocks(cid, each(blocks));
    const fresh = await EmbeddedBlobStore.open(ipfsDir);
    try {
      const leaves = blocks.filter((block) => block.cid.code === RAW);
      await fresh.getBlock(cid);
      for (const leaf of leaves) assert.ok(Buffer.from(await fresh.getBlock(leaf.cid.toString())).equals(Buffer.from(leaf.bytes)));
    } finally {
      await fresh.close();
    }
  });
});
