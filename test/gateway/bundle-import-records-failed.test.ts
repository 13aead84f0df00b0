// An import whose records cannot be written leaves no record half written and no pin behind.
// Writing them one by one, an import that failed part-way (a full disk, a write error) left the
// content pinned with the records of only some of it, and, when the failure came at the kept
// bundle record, records for content the gateway could serve but never release. Now the records
// are written all or none, what an earlier record said is put back, the pins this import took
// are released, and the error names the cause and the fix; the same import then succeeds once
// the cause is gone. The failures are made as root can feel them: a folder where a record file
// must go, a file where a record folder must be. No chain: every import here is offline.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importBundle } from '../../src/gateway/bundles/import-bundle';
import { RecordWriteError } from '../../src/gateway/bundles/staged-records';
import { type BlobStore, EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { collect, spawnHcr } from '../cli/helpers/run-hcr';
import { type Block, rawBlock, writeBundle } from './helpers/bundle-files';
import { blobOf, type ImageParts, makeImage } from './helpers/oci-client';

const recordFile = (dataDir: string, digest: string) => join(dataDir, 'gateway', 'blobs', `${digest.replace(':', '-')}.json`);
/** The `.json` files of a record folder (a missing folder has none; a folder of that name is no file). */
const records = (dir: string) => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isFile() && entry.name.endsWith('.json')).map((entry) => entry.name).sort() : []);

describe('hcr import when the gateway records cannot all be written', () => {
  let work: string;
  let bundle: string;
  let recordCid: string;
  let parts: ImageParts['layers'];
  let blocks: Block[];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'hcr-import-records-'));
    const image = makeImage([blobOf('a layer\n')]);
    parts = [image.manifest, image.config, image.layers[0]];
    blocks = await Promise.all(parts.map((part) => rawBlock(part.bytes)));
    const content = parts.map((part, i) => ({ digest: part.digest, cid: blocks[i].cid.toString(), kind: i === 0 ? 'manifest' : 'blob', size: part.size, repositories: [], recordedBy: null }));
    const record = { format: 'hcr-bundle/1', chain: { genesisHash: `0x${'00'.repeat(32)}`, block: { number: 1, hash: `0x${'01'.repeat(32)}` } }, exportedAt: new Date().toISOString(), spaces: [], tags: [{ repository: 'acme/web', tag: 'v1', digest: image.manifest.digest, recordedBy: null }], content };
    bundle = join(work, 'bundle.car');
    recordCid = await writeBundle(bundle, record, blocks);
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('puts back every record it replaced and releases only its own pins when the last record cannot be written', { timeout: 30_000 }, async () => {
    const dataDir = mkdtempSync(join(work, 'blocked-record-'));
    // The config was here before: its record (of another repository) and its pin must stay as they were.
    const configRecord = JSON.stringify({ digest: parts[1].digest, cid: blocks[1].cid.toString(), size: parts[1].size, committedAt: 1, referencedAt: 2, kind: 'blob', repositories: ['acme/other'] });
    mkdirSync(join(dataDir, 'gateway', 'blobs'), { recursive: true });
    writeFileSync(recordFile(dataDir, parts[1].digest), configRecord);
    // A folder where the kept bundle record must go: the last of the records to be written.
    const blocked = join(dataDir, 'gateway', 'imported', `${recordCid}.json`);
    mkdirSync(blocked, { recursive: true });
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    try {
      await store.putBlocks(blocks[1].cid.toString(), (async function* () {
        yield blocks[1];
      })());
      await assert.rejects(importBundle(bundle, { store, dataDir }), (error: Error) => {
        assert.ok(error instanceof RecordWriteError, `${error.name}: ${error.message}`);
        assert.match(error.message, /the gateway's records of the import could not be written under .*\/gateway \((EISDIR|EPERM)/);
        assert.match(error.message, /no record was changed and nothing this import pinned stays pinned: check that .* are folders this user may write to \(the failure was at .*\.json\), then import again/);
        return true;
      });
      assert.deepEqual(records(join(dataDir, 'gateway', 'blobs')), [`${parts[1].digest.replace(':', '-')}.json`], 'records of the import were left behind');
      assert.equal(readFileSync(recordFile(dataDir, parts[1].digest), 'utf8'), configRecord, 'the config record was not put back as it was');
      assert.deepEqual(records(join(dataDir, 'gateway', 'imported')), [], 'a bundle record was kept');
      assert.deepEqual(readdirSync(join(dataDir, 'gateway')).filter((name) => name.startsWith('.import-')), [], 'the staging folder was left behind');
      assert.equal(await store.isPinned(blocks[0].cid.toString()), false, 'the manifest this import pinned stays pinned');
      assert.equal(await store.isPinned(blocks[2].cid.toString()), false, 'the layer this import pinned stays pinned');
      assert.equal(await store.isPinned(blocks[1].cid.toString()), true, 'the config, pinned before the import, was unpinned');

      // The cause gone, the same import succeeds: nothing was lost.
      rmSync(blocked, { recursive: true });
      await importBundle(bundle, { store, dataDir });
      assert.equal(records(join(dataDir, 'gateway', 'blobs')).length, 3);
      assert.deepEqual(records(join(dataDir, 'gateway', 'imported')), [`${recordCid}.json`]);
      for (const block of blocks) assert.equal(await store.isPinned(block.cid.toString()), true);
    } finally {
      await store.close();
    }
  });

  it('keeps the pin of content a push here recorded while the import ran, whether the record came before the release or just after it', { timeout: 30_000 }, async () => {
    for (const when of ['while storing', 'just after the unpin'] as const) {
      const dataDir = mkdtempSync(join(work, 'pushed-meanwhile-'));
      // A folder where the kept bundle record must go: the import fails at its last record.
      mkdirSync(join(dataDir, 'gateway', 'imported', `${recordCid}.json`), { recursive: true });
      const layerCid = blocks[2].cid.toString();
      // What a push of the same layer writes once its upload is stored: it found the layer pinned (by the import) and took no pin of its own.
      const pushRecord = () => {
        mkdirSync(join(dataDir, 'gateway', 'blobs'), { recursive: true });
        writeFileSync(recordFile(dataDir, parts[2].digest), JSON.stringify({ digest: parts[2].digest, cid: layerCid, size: parts[2].size, committedAt: Date.now(), kind: 'blob', repositories: ['acme/pushed'] }));
      };
      const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
      const overrides: Partial<BlobStore> = {
        putBlocks: async (cid, source, options) => {
          const result = await store.putBlocks(cid, source, options);
          if (cid === layerCid && when === 'while storing') pushRecord();
          return result;
        },
        unpin: async (cid) => {
          await store.unpin(cid);
          if (cid === layerCid && when === 'just after the unpin') pushRecord();
        },
      };
      const racing = new Proxy(store, { get: (target, name) => overrides[name as keyof BlobStore] ?? Reflect.get(target, name).bind(target) }) as BlobStore;
      try {
        await assert.rejects(importBundle(bundle, { store: racing, dataDir }), RecordWriteError);
        assert.equal(await store.isPinned(layerCid), true, `the layer a push recorded ${when} lost its pin`);
        assert.equal(await store.isPinned(blocks[0].cid.toString()), false, `the manifest this import pinned stays pinned (${when})`);
        assert.equal(JSON.parse(readFileSync(recordFile(dataDir, parts[2].digest), 'utf8')).repositories[0], 'acme/pushed');
      } finally {
        await store.close();
      }
    }
  });

  it('writes no record, keeps no pin and says what to fix when a record folder cannot be made (hcr import, exit 1)', { timeout: 30_000 }, async () => {
    const dataDir = mkdtempSync(join(work, 'no-folder-'));
    mkdirSync(join(dataDir, 'gateway'), { recursive: true });
    writeFileSync(join(dataDir, 'gateway', 'imported'), 'a file where the folder of kept records must be');
    const run = await collect(spawnHcr(['import', bundle, '--data-dir', dataDir, '--offline'], { ...process.env }), 'import');
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /error: could not import .*bundle\.car: the gateway's records of the import could not be written under .*\/gateway \((EEXIST|ENOTDIR)/);
    assert.match(run.stderr, /no record was changed and nothing this import pinned stays pinned: check that .* are folders this user may write to/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'a stack trace was printed');
    assert.deepEqual(records(join(dataDir, 'gateway', 'blobs')), [], 'records of the import were left behind');
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    try {
      for (const block of blocks) assert.equal(await store.isPinned(block.cid.toString()), false, `${block.cid} stays pinned`);
    } finally {
      await store.close();
    }
  });
});
