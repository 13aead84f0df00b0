// `hcr import` stopped by Ctrl-C (or SIGTERM) while it stores a bundle keeps nothing: the pins it
// had taken are released and no record is written, it says so and exits 130, and the same
// import then runs whole. Ended at once by the signal, as it was, it left the content it had
// stored pinned with no record that would ever serve or release it. No chain: the import is offline.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
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
    const content = parts.map((part, i) => ({ digest: part.digest, cid: cids[i], kind: i === 0 ? 'manifest' : 'blob', size: part.size, repositories: [], recordedBy: null }));
    const record = { format: 'hcr-bundle/1', chain: { genesisHash: '0x00', block: { number: 1, hash: '0x01' } }, exportedAt: new Date().toISOString(), spaces: [], tags: [{ repository: 'acme/web', tag: 'v1', digest: image.manifest.digest, recordedBy: null }], content };
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
});
