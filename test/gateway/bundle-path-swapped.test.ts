// `hcr import` checks that the bundle is a regular file, then reads it. Opened again by its path
// after the index of its blocks, the path could by then name something else: a pipe put in its
// place held the import for ever, waiting for a writer. The file is opened once, and the import
// reads what it checked, whatever the path names meanwhile.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importBundle } from '../../src/gateway/bundles/import-bundle';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { type Block, rawBlock, writeBundle } from './helpers/bundle-files';
import { blobOf, makeImage } from './helpers/oci-client';

describe('hcr import of a bundle whose path is swapped while it is read', () => {
  let work: string;
  let bundle: string;
  let blocks: Block[];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'hcr-import-swapped-'));
    const image = makeImage([blobOf('a layer\n')]);
    const parts = [image.manifest, image.config, image.layers[0]];
    blocks = await Promise.all(parts.map((part) => rawBlock(part.bytes)));
    const content = parts.map((part, i) => ({ digest: part.digest, cid: blocks[i].cid.toString(), kind: i === 0 ? 'manifest' : 'blob', size: part.size, repositories: [], recordedBy: null }));
    const record = { format: 'hcr-bundle/1', chain: { genesisHash: `0x${'00'.repeat(32)}`, block: { number: 1, hash: `0x${'01'.repeat(32)}` } }, exportedAt: new Date().toISOString(), spaces: [], tags: [{ repository: 'acme/web', tag: 'v1', digest: image.manifest.digest, recordedBy: null }], content };
    bundle = join(work, 'bundle.car');
    await writeBundle(bundle, record, blocks);
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('imports what it checked when a pipe takes the file\'s place after its blocks were found', { timeout: 20_000 }, async () => {
    const dataDir = mkdtempSync(join(work, 'data-'));
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    let swapped = false;
    try {
      const progress = (line: string) => {
        if (swapped || !line.startsWith('found ')) return;
        // Right after the index of the blocks: the path now names a pipe no one writes to.
        unlinkSync(bundle);
        execFileSync('mkfifo', [bundle]);
        swapped = true;
      };
      const imported = await Promise.race([
        importBundle(bundle, { store, dataDir, progress }),
        new Promise<never>((_, reject) =>
          setTimeout(() => {
            // Lets a reader blocked on the pipe go (a writer comes and goes), so the process can end.
            closeSync(openSync(bundle, constants.O_WRONLY | constants.O_NONBLOCK));
            reject(new Error('the import waited on the pipe put in the bundle\'s place'));
          }, 10_000).unref(),
        ),
      ]);
      assert.ok(swapped, 'the path was never swapped');
      assert.ok(imported, 'no result');
      for (const block of blocks) assert.equal(await store.isPinned(block.cid.toString()), true, `${block.cid} was not imported`);
    } finally {
      await store.close();
    }
  });
});
