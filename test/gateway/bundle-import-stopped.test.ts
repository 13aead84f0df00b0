// `hcr import` stopped by Ctrl-C (or SIGTERM) while it stores a bundle keeps nothing: the pins it
// had taken are released and no record is written, it says so and exits 130, and the same
// import then runs whole. Ended at once by the signal, as it was, it left the content it had
// stored pinned with no record that would ever serve or release it; killed at once (SIGKILL), it
// leaves a journal of its pins for the gateway's cleanup. No chain: the import is offline.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sweepUnreferenced } from '../../src/gateway/cleanup';
import type { ChainReader } from '../../src/gateway/resolve/chain-reader';
import { BlobCache } from '../../src/gateway/storage/blob-cache';
import { LocalBlobs } from '../../src/gateway/storage/local-blobs';
import { UploadSessions } from '../../src/gateway/storage/upload-sessions';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { collect, expectExit, spawnHcr } from '../cli/helpers/run-hcr';
import { type Block, fileNode, rawBlock, writeBundle } from './helpers/bundle-files';
import { blobOf, makeImage } from './helpers/oci-client';

const LEAF_BYTES = 256 * 1024;
/** Large enough that storing it takes far longer than a signal takes to arrive. */
const BIG_LAYER_BYTES = 96 * 1024 * 1024;

describe('hcr import stopped by a signal', () => {
  let work: string;
  let bundle: string;
  /** The CIDs of the manifest, the config, a small layer and the big one, in the record's order. */
  let cids: string[];
  let digests: string[];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'hcr-import-stopped-'));
    const big = blobOf(randomBytes(BIG_LAYER_BYTES));
    const image = makeImage([blobOf('a small layer\n'), big]);
    const leaves: Block[] = [];
    for (let at = 0; at < big.bytes.length; at += LEAF_BYTES) leaves.push(await rawBlock(big.bytes.subarray(at, at + LEAF_BYTES)));
    const bigRoot = await fileNode(leaves.map((leaf) => ({ cid: leaf.cid, size: leaf.bytes.byteLength })));
    const small = await Promise.all([image.manifest, image.config, image.layers[0]].map((part) => rawBlock(part.bytes)));
    const parts = [image.manifest, image.config, image.layers[0], big];
    const roots = [...small, bigRoot];
    cids = roots.map((block) => block.cid.toString());
    digests = parts.map((part) => part.digest);
    const content = parts.map((part, i) => ({ digest: part.digest, cid: cids[i], kind: i === 0 ? 'manifest' : 'blob', size: part.size, repositories: [], recordedBy: null }));
    const record = { format: 'hcr-bundle/1', chain: { genesisHash: `0x${'00'.repeat(32)}`, block: { number: 1, hash: `0x${'01'.repeat(32)}` } }, exportedAt: new Date().toISOString(), spaces: [], tags: [{ repository: 'acme/web', tag: 'v1', digest: image.manifest.digest, recordedBy: null }], content };
    bundle = join(work, 'bundle.car');
    await writeBundle(bundle, record, [...small, bigRoot, ...leaves]);
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const pinned = async (dataDir: string) => {
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    try {
      return await Promise.all(cids.map((cid) => store.isPinned(cid)));
    } finally {
      await store.close();
    }
  };

  it('releases the pins it took and writes no record, exits 130 saying so, and the same import then runs whole', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(work, 'data-'));
    const child = spawnHcr(['import', bundle, '--data-dir', dataDir, '--offline'], { ...process.env });
    let signalled = false;
    const run = await collect(child, 'import', (stderr) => {
      // The manifest is stored and pinned; the big layer is still to come.
      if (!signalled && /stored 1 of 4/.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    assert.ok(signalled, `the import never said it stored the first item:\n${run.stderr}`);
    expectExit(run, 130);
    assert.match(run.stderr, /SIGINT: stopping the import and releasing what it stored/);
    assert.match(run.stderr, /error: stopped: the import was stopped before it finished: nothing was imported, and the content it had stored so far is no longer pinned/);
    assert.doesNotMatch(run.stderr, /stored 4 of 4/, 'the import ran to its end: the test did not stop it while it stored');
    assert.deepEqual(await pinned(dataDir), [false, false, false, false], 'a pin the stopped import took is still there');
    assert.equal(existsSync(join(dataDir, 'gateway', 'imported')), false, 'a bundle record was kept');
    assert.equal(existsSync(join(dataDir, 'gateway', 'blobs')), false, 'the gateway recorded content');

    const again = await collect(spawnHcr(['import', bundle, '--data-dir', dataDir, '--offline'], { ...process.env }), 'import');
    expectExit(again, 0);
    assert.deepEqual(await pinned(dataDir), [true, true, true, true]);
  });

  it('killed at once while it stores, leaves a journal of its pins: the cleanup releases them once it is old, but for content a record holds, and the same import then runs whole', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(work, 'killed-'));
    const child = spawnHcr(['import', bundle, '--data-dir', dataDir, '--offline'], { ...process.env });
    let killed = false;
    const run = await collect(child, 'import', (stderr) => {
      if (!killed && /stored 2 of 4/.test(stderr)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    assert.ok(killed, `the import never said it stored the second item:\n${run.stderr}`);
    assert.doesNotMatch(run.stderr, /stored 4 of 4/, 'the import ran to its end: the test did not kill it while it stored');
    const [manifestPinned, configPinned] = await pinned(dataDir);
    assert.ok(manifestPinned && configPinned, 'the killed import had not pinned what it said it stored');
    const gatewayDir = join(dataDir, 'gateway');
    const journals = readdirSync(join(gatewayDir, 'import-pins'));
    assert.equal(journals.length, 1, `journals: ${journals}`);

    // The config pushed here meanwhile, as a push of the same bytes records it: its pin must stay.
    const records = new LocalBlobs(join(gatewayDir, 'blobs'));
    await records.put({ digest: digests[1], cid: cids[1], size: 1, committedAt: Date.now(), referencedAt: Date.now(), kind: 'blob', repositories: ['acme/pushed'] });
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    try {
      const deps = { gatewayDir, uploads: new UploadSessions(join(gatewayDir, 'uploads')), local: records, cache: new BlobCache(join(gatewayDir, 'cache'), 2 ** 20), store, chain: {} as ChainReader };
      // Young, the journal may be a running import's: left as it is.
      const young = await sweepUnreferenced(deps, 24 * 3600_000);
      assert.equal(young.killedImportPins, 0);
      assert.equal(await store.isPinned(cids[0]), true, 'the pin of a journal still young was released');
      const old = await sweepUnreferenced(deps, 24 * 3600_000, Date.now() + 2 * 24 * 3600_000);
      assert.equal(old.killedImportPins, 1);
      assert.equal(await store.isPinned(cids[0]), false, 'the killed import\'s pin of the manifest stays');
      assert.equal(await store.isPinned(cids[1]), true, 'the pin of the config a push recorded was released');
      assert.equal(await store.has(cids[0]), false, 'the unpinned manifest was not collected');
      assert.deepEqual(readdirSync(join(gatewayDir, 'import-pins')), [], 'the journal stays');
    } finally {
      await store.close();
    }

    const again = await collect(spawnHcr(['import', bundle, '--data-dir', dataDir, '--offline'], { ...process.env }), 'import');
    expectExit(again, 0);
    assert.deepEqual(await pinned(dataDir), [true, true, true, true]);
    assert.deepEqual(readdirSync(join(gatewayDir, 'import-pins')), [], 'the import that ran whole left its journal');
  });
});
