// AppendFile: a new file written front to back in large pieces, the full ones past the page cache
// (O_DIRECT) where the filesystem takes them, the last one and any on a filesystem without
// O_DIRECT (tmpfs) through it. Whichever way, the file holds exactly the bytes appended, and a
// read back sees them, written yet or not.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { constants, existsSync, linkSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ALIGNED_BUFFER_BYTES } from '../../src/file-io/aligned-buffers';
import { AppendFile, openSameFile } from '../../src/file-io/append-file';
import { cachedPages, takesDirectIo } from './helpers/page-cache';

const PAGE = 4096;

/** Appends `bytes` in pieces of `piece`, reading back a few spans on the way; returns the file's bytes. */
async function writeInPieces(path: string, bytes: Buffer, piece: number): Promise<Buffer> {
  const file = await AppendFile.create(path);
  for (let at = 0; at < bytes.length; at += piece) {
    await file.append(bytes.subarray(at, Math.min(at + piece, bytes.length)));
    // Back from the part written (after a full piece) and from the part still buffered.
    const end = Math.min(at + piece, bytes.length);
    if (end > 100) assert.deepEqual(await file.readAt(end - 100, 100), bytes.subarray(end - 100, end));
    assert.equal(file.length, end);
  }
  await file.finish();
  return readFileSync(path);
}

describe('AppendFile', () => {
  const dirs: string[] = [];
  const dirIn = (parent: string) => {
    const dir = mkdtempSync(join(parent, 'hcr-append-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  for (const [where, parent] of [['a disk filesystem', tmpdir()], ['tmpfs, which has no O_DIRECT', '/dev/shm']] as const) {
    it(`holds exactly the bytes appended on ${where}, whatever their length`, async (t) => {
      if (!existsSync(parent)) return t.skip(`${parent} is not on this machine`);
      const dir = dirIn(parent);
      for (const length of [0, 1, PAGE - 1, ALIGNED_BUFFER_BYTES, ALIGNED_BUFFER_BYTES + 1, 2 * ALIGNED_BUFFER_BYTES + 12_345]) {
        const bytes = randomBytes(length);
        // Pieces that straddle the writes' boundaries, as a peer's 256 KiB leaves plus a little do.
        const written = await writeInPieces(join(dir, `file-${length}`), bytes, 256 * 1024 + 7);
        assert.equal(written.length, length);
        assert.ok(written.equals(bytes), `a file of ${length} bytes holds other bytes`);
      }
    });
  }

  it('leaves the full pieces of a large file out of the page cache, where the disk takes O_DIRECT', async (t) => {
    const dir = dirIn(tmpdir());
    if (!takesDirectIo(dir)) return t.skip(`${tmpdir()} does not take O_DIRECT`);
    const path = join(dir, 'large');
    const tail = 123_456;
    const bytes = randomBytes(4 * ALIGNED_BUFFER_BYTES + tail);
    const file = await AppendFile.create(path);
    for (let at = 0; at < bytes.length; at += 1024 * 1024) await file.append(bytes.subarray(at, Math.min(at + 1024 * 1024, bytes.length)));
    await file.finish();
    const pages = cachedPages(path);
    if (pages === undefined) return t.skip('fincore (util-linux) is not installed');
    // The last piece, at most a write's worth, goes through the page cache; the four full ones do not.
    assert.ok(pages <= Math.ceil(tail / PAGE) + 1, `${pages} of the file's ${Math.ceil(bytes.length / PAGE)} pages are in the page cache`);
    assert.ok(readFileSync(path).equals(bytes));
  });

  it('creates only a new file, and deletes it when discarded, written or not', async () => {
    const dir = dirIn(tmpdir());
    const path = join(dir, 'discarded');
    const file = await AppendFile.create(path);
    await assert.rejects(AppendFile.create(path), { code: 'EEXIST' });
    await file.append(randomBytes(ALIGNED_BUFFER_BYTES + 5));
    await file.discard();
    assert.equal(existsSync(path), false);
  });

  it('opens its second handle only on the file it created: a symlink or hard link put in its place meanwhile is refused, and its target left as it was', async () => {
    const dir = dirIn(tmpdir());
    const victim = join(dir, 'bashrc');
    writeFileSync(victim, 'the user\'s own file\n');
    const path = join(dir, 'created');
    for (const swap of [(at: string) => symlinkSync(victim, at), (at: string) => linkSync(victim, at)]) {
      const handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL);
      try {
        // Unchanged, the path gives a handle on the same file.
        const same = await openSameFile(handle, path, constants.O_WRONLY);
        await same.write(Buffer.from('mine'), 0, 4, 0);
        await same.close();
        assert.equal(readFileSync(path, 'utf8'), 'mine');
        // The new file renamed away, and a link to the user's file put at its name.
        renameSync(path, `${path}.moved`);
        swap(path);
        await assert.rejects(openSameFile(handle, path, constants.O_WRONLY), (error: NodeJS.ErrnoException) => ['ELOOP', 'ESTALE'].includes(error.code ?? ''));
        assert.equal(readFileSync(victim, 'utf8'), 'the user\'s own file\n');
      } finally {
        await handle.close();
        rmSync(path, { force: true });
        rmSync(`${path}.moved`, { force: true });
      }
    }
  });

  it('reads back through the file it created, even once its name is taken by another', async () => {
    const dir = dirIn(tmpdir());
    const path = join(dir, 'spool');
    const bytes = randomBytes(ALIGNED_BUFFER_BYTES + 777);
    const file = await AppendFile.create(path);
    await file.append(bytes);
    renameSync(path, `${path}.moved`);
    writeFileSync(path, Buffer.alloc(bytes.length, 0x41));
    assert.deepEqual(await file.readAt(bytes.length - 1000, 1000), bytes.subarray(bytes.length - 1000));
    await file.finish();
    assert.ok(readFileSync(`${path}.moved`).equals(bytes));
    await assert.rejects(file.readAt(0, 10), /is closed/);
  });
});
