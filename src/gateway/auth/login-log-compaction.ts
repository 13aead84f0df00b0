// The login ledger's log is appended to at every logout and, on a gateway taking each login once,
// at every login: without compaction it would hold every nonce ever seen, read at each start. At
// start the log is set aside (renamed, so that appends by another process sharing the data dir
// begin a new log rather than being lost), the lines whose login has not expired yet are appended
// back, and the set-aside file is removed. A start cut short leaves the set-aside file, which the
// next start reads too. A revocation always wins, whatever the order; for a login taken once, which
// `used` line came first matters, and lines written back come after lines appended meanwhile: the
// ledger says how it tells them apart (login-ledger.ts).
//
// The files are read line by line in bounded chunks (line-log.ts), never whole. One that exists
// but cannot be read stops the start (LoginLogUnreadableError): skipping it would forget every
// logout in it, and the logins it revoked would work again.
//
// An append opens the log by its name and writes: a start that sets the log aside between the two
// may read the file before the line lands in it, and remove it after, and the line is gone. So
// every append (appendToLoginLog), a start's writing back included, checks once written that the
// name still leads to the file it wrote to, and writes again to the new log when it does not: a
// line that was in the log when its write ended is in every later reading, the start that sets
// the log aside next reading it whole after its move. A line written twice changes nothing.
import { randomBytes } from 'node:crypto';
import { type BigIntStats, closeSync, fstatSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { forEachLine, UnreadableLogError } from '../storage/line-log';

const ASIDE = /\.[0-9a-f]{12}\.aside$/;
/** Kept lines are appended back in batches of about this many characters. */
const BATCH_CHARS = 1 << 20;
/** Writes of one append made before it is given up: each is lost only to a start moving the log during it. */
const APPEND_ATTEMPTS = 100;

/**
 * Which file a log is. Its inode alone is not enough: compaction removes a log set aside once it is
 * written back, and the next log created can be given the same inode, which would then be read on
 * from the old one's offset, missing its first lines. Its creation time tells them apart (where the
 * file system keeps one; elsewhere it is 0 and the inode decides alone).
 */
export function logIdentity(stat: BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.birthtimeNs}`;
}

/**
 * Appends `text` (whole lines) to the log `file`, and makes sure it is in the file that name leads
 * to once written (above): false when starts moved the log during each of APPEND_ATTEMPTS writes.
 */
export function appendToLoginLog(file: string, text: string): boolean {
  const bytes = Buffer.from(text);
  for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
    const fd = openSync(file, 'a');
    try {
      for (let written = 0; written < bytes.byteLength; ) written += writeSync(fd, bytes, written);
      const now = statSync(file, { bigint: true, throwIfNoEntry: false });
      if (now && logIdentity(now) === logIdentity(fstatSync(fd, { bigint: true }))) return true;
    } finally {
      closeSync(fd);
    }
  }
  return false;
}

export class LoginLogUnreadableError extends Error {
  override readonly name = 'LoginLogUnreadableError';
  constructor(readonly file: string, reason: string) {
    super(
      `the login ledger ${file} cannot be read (${reason}): it holds the logins revoked by logout, and starting without it would let them work again. ` +
        'Make it a readable regular file (restore it from a backup, or fix its owner and permissions), or, if losing every revocation in it is acceptable, move it away; then start again',
    );
  }
}

function unreadable(file: string, error: unknown): LoginLogUnreadableError {
  const reason = error instanceof UnreadableLogError ? (error.cause.code ?? error.cause.message) : (error as Error).message;
  return new LoginLogUnreadableError(error instanceof UnreadableLogError ? error.file : file, reason);
}

/** Refuses a log in the form of anything but a regular file (a directory, a socket); nothing there is fine. */
export function requireReadableLog(file: string): void {
  let kind: string | undefined;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) kind = stat.isDirectory() ? 'it is a directory, not a file' : 'it is not a regular file';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw unreadable(file, error);
  }
  if (kind !== undefined) throw new LoginLogUnreadableError(file, kind);
}

/** Calls `visit` with each non-empty line of the ledger's `file`; LoginLogUnreadableError when it exists but cannot be read. */
export function forEachLoginLine(file: string, visit: (line: string) => void): boolean {
  try {
    return forEachLine(file, visit);
  } catch (error) {
    if (error instanceof UnreadableLogError) throw unreadable(file, error);
    throw error;
  }
}

/** The logs of `file` set aside by starts that have not finished writing them back (or were cut short). */
export function setAsideLogs(file: string): string[] {
  const prefix = `${basename(file)}.`;
  return readdirSync(dirname(file)).filter((name) => name.startsWith(prefix) && ASIDE.test(name)).map((name) => join(dirname(file), name));
}

/** Rewrites `file` with the lines `keep` gives back for its lines (undefined: the line goes). */
export function compactLoginLog(file: string, keep: (line: string) => string | undefined): void {
  // Checked before it is set aside, so that the error names the file the operator knows.
  requireReadableLog(file);
  try {
    renameSync(file, `${file}.${randomBytes(6).toString('hex')}.aside`);
  } catch (error) {
    // No log yet (or another process set it aside a moment ago): its set-aside files are read below.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(file, error);
  }
  for (const aside of setAsideLogs(file)) {
    requireReadableLog(aside);
    let batch: string[] = [];
    let batchChars = 0;
    // A batch that could not be put in the log leaves the file set aside, where every process
    // still reads it, for the next start.
    let writtenBack = true;
    const flush = () => {
      if (batch.length > 0 && !appendToLoginLog(file, `${batch.join('\n')}\n`)) writtenBack = false;
      batch = [];
      batchChars = 0;
    };
    // Gone: read by another process starting at the same moment, which appended the lines back already.
    const found = forEachLoginLine(aside, (line) => {
      const kept = keep(line);
      if (kept === undefined) return;
      batch.push(kept);
      batchChars += kept.length + 1;
      if (batchChars >= BATCH_CHARS) flush();
    });
    flush();
    if (found && writtenBack) {
      try {
        unlinkSync(aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
}
