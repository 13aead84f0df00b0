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
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { forEachLine, UnreadableLogError } from '../storage/line-log';

const ASIDE = /\.[0-9a-f]{12}\.aside$/;
/** Kept lines are appended back in batches of about this many characters. */
const BATCH_CHARS = 1 << 20;

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
    const flush = () => {
      if (batch.length > 0) appendFileSync(file, `${batch.join('\n')}\n`);
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
    if (found) {
      try {
        unlinkSync(aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
}
