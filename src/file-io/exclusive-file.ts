// New files written beside their target, to be renamed or linked over it once whole. A name known
// in advance ("token-secret.tmp", "out.<pid>.part") in a directory someone else can write (a
// shared data dir, /tmp, DOCKER_CONFIG in a CI workspace) can be planted first as a symlink to a
// file of the user's, or to a place the planter can read, and opening it to write would follow the
// link. So the name carries 128 random bits, and the file is created exclusively: O_CREAT|O_EXCL
// fails on anything already at the path, a symlink included, instead of opening it.
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { removeLeftovers } from './leftovers';

/** The open flags of an exclusive create (O_WRONLY | O_CREAT | O_EXCL); for fs.open and write streams. */
export const EXCLUSIVE_CREATE = 'wx';

/**
 * How much of the target's name the temporary name keeps: with the dots, the random digits and
 * `.partial` (42 bytes) it stays within the 255 bytes a file name may have, so a target whose own
 * name is long but allowed (a download's title) can still be written.
 */
const KEPT_NAME_BYTES = 200;

/** A hidden name beside `target` that no one can guess: `.<name>.<32 hex digits>.partial`. */
export function temporaryPathBeside(target: string): string {
  return join(dirname(target), `.${leadingBytes(basename(target), KEPT_NAME_BYTES)}.${randomBytes(16).toString('hex')}.partial`);
}

/**
 * Removes the temporary files beside `target` (temporaryPathBeside) not changed for longer than
 * `olderThanMs`: left by a writer that died before renaming or removing its file. The caller
 * chooses a bound no live writer takes (the staleness bound of a lock its writers hold, say); a
 * writer that did go on would find its file gone and fail, its target untouched. Returns the names
 * removed.
 */
export function removeTemporariesOlderThan(target: string, olderThanMs: number, now = Date.now()): string[] {
  const kept = leadingBytes(basename(target), KEPT_NAME_BYTES);
  // `.<kept>.<32 hex digits>.partial`, and nothing else: another target's name can start with this one's.
  const isTemporary = (name: string) => name.length === kept.length + 42 && name.startsWith(`.${kept}.`) && /^\.[0-9a-f]{32}\.partial$/.test(name.slice(kept.length + 1));
  return removeLeftovers(dirname(target), isTemporary, olderThanMs, now);
}

/** The longest start of `name` within `limit` UTF-8 bytes, cut between characters. */
function leadingBytes(name: string, limit: number): string {
  let kept = '';
  let bytes = 0;
  for (const character of name) {
    bytes += Buffer.byteLength(character);
    if (bytes > limit) break;
    kept += character;
  }
  return kept;
}

/**
 * Creates `path`, which must not exist, with `mode` from its creation (fixed with fchmod too, so
 * the umask cannot leave it looser or stricter), writes `bytes` and flushes them to the disk, so
 * that a crash never leaves a short file under the target's name once it is linked or renamed
 * there. On failure a file this call created is removed; one that was there first is left alone.
 */
export function writeNewFileSync(path: string, bytes: Uint8Array, mode: number): void {
  const fd = openSync(path, EXCLUSIVE_CREATE, mode);
  try {
    fchmodSync(fd, mode);
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw error;
  }
  closeSync(fd);
}
