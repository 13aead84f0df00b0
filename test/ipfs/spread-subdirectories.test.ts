// The embedded store marks its blocks directory +T on ext4 (src/ipfs/embedded/spread-subdirectories.ts)
// and opens all the same where the attribute does not exist.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBlobStore } from '../../src/ipfs';
import { spreadSubdirectories } from '../../src/ipfs/embedded/spread-subdirectories';

const work = mkdtempSync(join(tmpdir(), 'hcr-spread-'));
const hasE2fsprogs = spawnSync('lsattr', ['-d', work]).status === 0;
const isExt = hasE2fsprogs && /^ext[234]/.test(execFileSync('stat', ['-f', '-c', '%T', work], { encoding: 'utf8' }).trim());
const notExt = !isExt && `${work} is not on ext2/3/4, or e2fsprogs (chattr, lsattr) is missing`;
const attributes = (dir: string) => execFileSync('lsattr', ['-d', dir], { encoding: 'utf8' }).split(/\s+/)[0];

describe('spreading the blockstore\'s shard directories', () => {
  after(() => rmSync(work, { recursive: true, force: true }));

  it('sets ext4\'s top-of-hierarchy attribute on the blocks directory when the store opens', { skip: notExt }, async () => {
    const store = await EmbeddedBlobStore.open(join(work, 'store'));
    try {
      assert.match(attributes(join(work, 'store', 'blocks')), /T/);
      // The store works as before under the attribute.
      const put = await store.put([Buffer.from('spread')]);
      assert.equal(put.size, 6);
    } finally {
      await store.close();
    }
  });

  it('answers false, without throwing, where the attribute cannot be set', async () => {
    assert.equal(await spreadSubdirectories(join(work, 'does-not-exist')), false);
    // /proc is not a filesystem with attributes.
    assert.equal(await spreadSubdirectories('/proc'), false);
  });

  it('answers true for a directory on ext4', { skip: notExt }, async () => {
    mkdirSync(join(work, 'plain'));
    assert.doesNotMatch(attributes(join(work, 'plain')), /T/);
    assert.equal(await spreadSubdirectories(join(work, 'plain')), true);
    assert.match(attributes(join(work, 'plain')), /T/);
  });
});
