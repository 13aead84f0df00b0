// The login ledger's log is appended to at every logout and, on a gateway taking each login once,
// at every login: without compaction it would hold every nonce ever seen, read whole at each
// start. At start the log is set aside (renamed, so that appends by another process sharing the
// data dir begin a new log rather than being lost), the lines whose login has not expired yet are
// appended back, and the set-aside file is removed. A start cut short leaves the set-aside file,
// which the next start reads too; a mark's order does not matter (a revocation always wins).
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const ASIDE = /\.[0-9a-f]{12}\.aside$/;

const readLines = (file: string): string[] | undefined => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  } catch {
    return undefined;
  }
};

/** Rewrites `file` with only the lines `live` keeps; a line's expiry is its third field. */
export function compactLoginLog(file: string, live: (line: string) => boolean): void {
  try {
    renameSync(file, `${file}.${randomBytes(6).toString('hex')}.aside`);
  } catch {
    // No log yet (or another process set it aside a moment ago): its set-aside files are read below.
  }
  const prefix = `${basename(file)}.`;
  const asides = readdirSync(dirname(file)).filter((name) => name.startsWith(prefix) && ASIDE.test(name)).map((name) => join(dirname(file), name));
  for (const aside of asides) {
    // Read by another process starting at the same moment: it appended the lines back already.
    const lines = readLines(aside);
    if (lines === undefined) continue;
    const kept = lines.filter(live);
    if (kept.length > 0) appendFileSync(file, `${kept.join('\n')}\n`);
    unlinkSync(aside);
  }
}
