// The embedded store's garbage collection: blocks no pin reaches go, blocks pins reach stay
// (also when shared with deleted files), and neither recent blocks nor those of an add still
// in progress are lost. Also over the Kubo RPC subset with the real kubo-rpc-client.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBlobStore, embeddedIpfsDir, startEmbeddedIpfs, type EmbeddedIpfs } from '../../src/ipfs';
import { CHUNK, collect } from './helpers/bytes';

/** A moment after every block written so far (block files' times have a coarse clock). */
const soon = () => Date.now() + 2000;

describe('embedded store garbage collection', () => {
  let dataDir: string;
  let store: EmbeddedBlobStore;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hcr-ipfs-gc-'));
    store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
  });
  after(async () => {
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('deletes the blocks no pin reaches and keeps every block of pinned files, shared ones included', async () => {
    const shared = randomBytes(CHUNK);
    const kept = Buffer.concat([shared, randomBytes(CHUNK), randomBytes(100)]);
    const released = Buffer.concat([shared, randomBytes(CHUNK)]);
    const keptCid = (await store.put([kept])).cid;
    const releasedCid = (await store.put([released])).cid;
    const neverPinned = (await store.put([randomBytes(1000)], { pin: false })).cid;
    await store.unpin(releasedCid);
    const removed: string[] = [];
    const result = await store.collectGarbage(soon(), (cid) => removed.push(cid));
    // The released file's own chunk and root, and the unpinned one-block file; not the shared chunk.
    assert.equal(result.removedBlocks, 3);
    assert.equal(removed.length, 3);
    assert.ok(removed.includes(neverPinned), 'a one-block file is reported by its own CID');
    assert.ok(result.freedBytes > CHUNK + 1000, `freed ${result.freedBytes} bytes`);
    assert.equal(await store.has(releasedCid), false);
    assert.equal(await store.has(neverPinned), false);
    assert.deepEqual(await collect(await store.get(keptCid)), kept);
    const again = await store.collectGarbage(soon());
    assert.equal(again.removedBlocks, 0, 'a second run finds nothing more');
  });

  it('keeps unpinned blocks written after the cut-off, for imports another process has not pinned yet', async () => {
    const cid = (await store.put([randomBytes(2 * CHUNK)], { pin: false })).cid;
    const result = await store.collectGarbage(Date.now() - 60_000);
    assert.equal(result.removedBlocks, 0);
    assert.ok(result.keptRecent >= 3, `kept ${result.keptRecent} recent blocks`);
    await store.pin(cid);
    assert.equal((await store.collectGarbage(soon())).removedBlocks, 0, 'pinned afterwards, nothing goes');
    assert.equal(await store.has(cid), true);
  });

  it('never deletes the blocks of an add still in progress, whatever the cut-off', async () => {
    // The importer writes leaves in batches of ten, so the first part is long enough to be written.
    const first = randomBytes(24 * CHUNK);
    const rest = randomBytes(CHUNK + 10);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let firstTaken!: () => void;
    const taken = new Promise<void>((resolve) => (firstTaken = resolve));
    async function* slowSource() {
      yield first;
      firstTaken();
      await released;
      yield rest;
    }
    const adding = store.put(slowSource());
    await taken;
    // Let the importer write the first chunks' blocks.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const during = await store.collectGarbage(soon());
    assert.equal(during.removedBlocks, 0, 'blocks of the add in progress were deleted');
    assert.ok(during.keptRecent >= 10, `only ${during.keptRecent} blocks were written before the collection`);
    release();
    const { cid } = await adding;
    assert.deepEqual(await collect(await store.get(cid)), Buffer.concat([first, rest]));
    assert.equal((await store.collectGarbage(soon())).removedBlocks, 0);
  });
});

describe('repo/gc over the embedded Kubo RPC server', () => {
  let dataDir: string;
  let ipfs: EmbeddedIpfs;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hcr-ipfs-gc-api-'));
    ipfs = await startEmbeddedIpfs({ dataDir, port: 0 });
  });
  after(async () => {
    await ipfs?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers kubo-rpc-client repo.gc with each deleted block, and leaves pinned content', async () => {
    const { create } = await import('kubo-rpc-client');
    const client = create({ url: ipfs.apiUrl });
    const loose = await client.add(randomBytes(1000), { cidVersion: 1, pin: false });
    const pinned = await client.add(randomBytes(1000), { cidVersion: 1, pin: true });
    const results: [string | undefined, string | undefined][] = [];
    for await (const result of client.repo.gc()) results.push([result.err?.message, result.cid?.toString()]);
    assert.deepEqual(results, [[undefined, loose.cid.toString()]]);
    assert.equal(await ipfs.store.has(loose.cid.toString()), false);
    assert.equal(await ipfs.store.has(pinned.cid.toString()), true);
    const quiet = await fetch(`${ipfs.apiUrl}/api/v0/repo/gc?quiet=true`, { method: 'POST' });
    assert.equal(quiet.status, 200);
    assert.equal(await quiet.text(), '');
  });
});
