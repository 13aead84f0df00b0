// A large file a command writes (an export's bundle) goes past the page cache in large pieces where
// the disk takes O_DIRECT, and is still written whole or not at all: nothing at the target until
// commit, every byte there after it, nothing left behind by a write that broke off.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { partialFileFor } from '../../src/cli/partial-file';
import { ALIGNED_BUFFER_BYTES } from '../../src/file-io/aligned-buffers';
import { cachedPages, takesDirectIo } from '../file-io/helpers/page-cache';

const PAGE = 4096;
const root = mkdtempSync(join(tmpdir(), 'hcr-unbuffered-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** `bytes` as a stream of pieces that straddle the file's writes, as a download's chunks do. */
function chunksOf(bytes: Buffer, piece = 64 * 1024 + 3): Readable {
  return Readable.from((function* () {
    for (let at = 0; at < bytes.length; at += piece) yield bytes.subarray(at, Math.min(at + piece, bytes.length));
  })());
}

describe('partialFileFor(target, { unbuffered: true })', () => {
  it('puts every byte at the target on commit, none before, and keeps the full pieces out of the page cache', async (t) => {
    const dir = mkdtempSync(join(root, 'whole-'));
    const target = join(dir, 'bundle.car');
    const tail = 54_321;
    const bytes = randomBytes(3 * ALIGNED_BUFFER_BYTES + tail);
    const partial = partialFileFor(target, { unbuffered: true });
    await pipeline(chunksOf(bytes), partial.stream);
    assert.equal(existsSync(target), false, 'the target exists before commit');
    // Measured before commit: the rename does not move pages, but a read of the target would.
    const pages = takesDirectIo(dir) ? cachedPages(partial.path) : undefined;
    await partial.commit();
    assert.ok(readFileSync(target).equals(bytes), 'the committed file holds other bytes');
    assert.deepEqual(readdirSync(dir), ['bundle.car'], 'something was left beside the target');
    if (pages === undefined) return t.skip('the disk does not take O_DIRECT here, or fincore (util-linux) is missing');
    // The last piece goes through the page cache; the three full ones do not.
    assert.ok(pages <= Math.ceil(tail / PAGE) + 1, `${pages} of the file's ${Math.ceil(bytes.length / PAGE)} pages went through the page cache`);
  });

  it('leaves nothing behind when the write breaks off and is discarded', async () => {
    const dir = mkdtempSync(join(root, 'broken-'));
    const target = join(dir, 'bundle.car');
    const partial = partialFileFor(target, { unbuffered: true });
    const source = Readable.from((async function* () {
      yield randomBytes(ALIGNED_BUFFER_BYTES + 1000);
      throw new Error('the connection was reset');
    })());
    await assert.rejects(pipeline(source, partial.stream), /the connection was reset/);
    await partial.discard();
    assert.deepEqual(readdirSync(dir), [], 'the unfinished file was left');
  });
});
