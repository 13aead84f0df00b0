// Login nonces the gateway has seen: revoked ones (logout) are refused until they would have
// expired anyway; in single-use mode every nonce works once, so a replayed token is refused.
// Kept in a log file in the data dir so a restart does not forget them. What else a login made
// (API tokens it minted) is told of its revocation through onRevoked.
//
// A nonce revoked again is not written again (a loop of logouts with one token would otherwise
// grow the log a line at a time). The log is read line by line; one that exists but cannot be
// read stops the constructor, and so the gateway's start, with LoginLogUnreadableError naming the
// file and the fix: never a start that has forgotten the logouts in it.
//
// Several gateway processes may share one data dir (as with api-tokens.json): before each answer
// (isRevoked, use, revoke) the lines other processes appended since the last read are taken in,
// read from the byte offset read up to (a stat when nothing changed). A log replaced (compacted
// by a process starting: another inode) or cut shorter is read whole again; marks are only ever
// added, so reading a line twice changes nothing. A last line without its newline yet (being
// appended) is left for the next read, never taken half.
//
// Taking a login once is decided by the log itself, not by a look before writing: two processes
// could both look, find the nonce unused, and both take it. Each `used` line carries a random
// claim; a process appends its own and reads the log on, and the first `used` line of the nonce in
// the log (appends to one file are ordered) is the one that took it. The process whose claim that
// is answers true, any other false.
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { type LineCursor, LineLog, readCompleteLines } from '../storage/line-log';
import { compactLoginLog, LoginLogUnreadableError } from './login-log-compaction';

type Mark = 'used' | 'revoked';

const SWEEP_EVERY_RECORDS = 1000;

/** A line: `<mark> <address>:<nonce> <expiry ms>`, and for `used` the claim of whoever wrote it (absent in older logs). */
function parseLine(line: string, now: number): { mark: Mark; key: string; expiresAt: number; claim?: string } | undefined {
  const [mark, key, expires, claim] = line.split(' ');
  return (mark === 'used' || mark === 'revoked') && key && Number(expires) > now ? { mark: mark as Mark, key, expiresAt: Number(expires), claim } : undefined;
}

/** How often a `used` line lost to another process's compaction of the log is written again. */
const CLAIM_ATTEMPTS = 3;

function unreadable(file: string, error: unknown): LoginLogUnreadableError {
  return new LoginLogUnreadableError(file, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
}

export class LoginLedger {
  readonly #log: LineLog;
  readonly #marks = new Map<string, { mark: Mark; expiresAt: number; claim?: string }>();
  readonly #revokedListeners: ((address: string, nonce: string) => void)[] = [];
  #recordsSinceSweep = 0;
  /** The log file read (its inode; undefined: none yet) and how far its lines were taken in. */
  #ino: bigint | undefined;
  #read: LineCursor = { offset: 0, skipping: false };

  constructor(file: string) {
    this.#log = new LineLog(file);
    const now = Date.now();
    compactLoginLog(file, (line) => parseLine(line, now) !== undefined);
    this.#catchUp();
  }

  isRevoked(address: string, nonce: string): boolean {
    return this.#get(address, nonce) === 'revoked';
  }

  /** Marks a nonce used; false when it was used or revoked before (a replay), here or by another process. */
  use(address: string, nonce: string, expiresAt: Date): boolean {
    const key = `${address}:${nonce}`;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      if (this.#get(address, nonce)) return false;
      const claim = randomBytes(9).toString('base64url');
      this.#log.append(`used ${key} ${expiresAt.getTime()} ${claim}`);
      this.#counted();
      // Read on past this process's own line: whichever `used` line of the nonce came first took it.
      this.#catchUp();
      const entry = this.#marks.get(key);
      if (entry) return entry.mark === 'used' && entry.claim === claim;
      // No line of the nonce at all: the log was replaced (compacted by a process starting) after
      // this line went into the file set aside. Written again.
    }
    return false;
  }

  revoke(address: string, nonce: string, expiresAt: Date): void {
    // Already revoked: nothing is written, but the listeners are told again (a logout whose
    // listener failed is sent again to finish what the login minted).
    if (!this.isRevoked(address, nonce)) this.#record(`${address}:${nonce}`, 'revoked', expiresAt.getTime());
    for (const listener of this.#revokedListeners) listener(address, nonce);
  }

  /** Calls `listener` with each login revoked from now on, once it is recorded. */
  onRevoked(listener: (address: string, nonce: string) => void): void {
    this.#revokedListeners.push(listener);
  }

  #get(address: string, nonce: string): Mark | undefined {
    this.#catchUp();
    const entry = this.#marks.get(`${address}:${nonce}`);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#marks.delete(`${address}:${nonce}`);
      return undefined;
    }
    return entry.mark;
  }

  #record(key: string, mark: Mark, expiresAt: number): void {
    this.#set(key, mark, expiresAt);
    this.#log.append(`${mark} ${key} ${expiresAt}`);
    this.#counted();
  }

  #counted(): void {
    // Marks of expired logins are dropped now and then, not only when their nonce is seen again
    // (most never are): memory holds the logins still valid.
    if (++this.#recordsSinceSweep >= SWEEP_EVERY_RECORDS) {
      this.#recordsSinceSweep = 0;
      const now = Date.now();
      for (const [known, entry] of this.#marks) if (entry.expiresAt <= now) this.#marks.delete(known);
    }
  }

  #set(key: string, mark: Mark, expiresAt: number, claim?: string): void {
    const known = this.#marks.get(key);
    if (known?.mark === 'revoked') return;
    // The first `used` line of a nonce is the one that took it: later claims do not replace it.
    if (known?.mark === 'used' && mark === 'used') return;
    this.#marks.set(key, { mark, expiresAt, claim });
  }

  /**
   * Takes in the lines appended to the log since it was last read (by this process or another
   * sharing the data dir): a stat when nothing changed. A log replaced or shortened is read whole.
   */
  #catchUp(): void {
    const file = this.#log.file;
    let size: number;
    try {
      const stat = statSync(file, { bigint: true });
      size = Number(stat.size);
      if (stat.ino === this.#ino && size === this.#read.offset) return;
    } catch (error) {
      // None (yet, or for the moment another process compacting it takes to write it back): what
      // was read stays known, and the log found next is read whole.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#ino = undefined;
        return;
      }
      throw unreadable(file, error);
    }
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#ino = undefined;
        return;
      }
      throw unreadable(file, error);
    }
    try {
      const stat = fstatSync(fd, { bigint: true });
      size = Number(stat.size);
      if (stat.ino !== this.#ino || size < this.#read.offset) {
        this.#ino = stat.ino;
        this.#read = { offset: 0, skipping: false };
      }
      const now = Date.now();
      // A last line without its newline yet is being appended: it is read once complete.
      readCompleteLines(fd, this.#read, size, (line) => {
        const entry = parseLine(line, now);
        if (entry) this.#set(entry.key, entry.mark, entry.expiresAt, entry.claim);
      });
    } catch (error) {
      throw error instanceof LoginLogUnreadableError ? error : unreadable(file, error);
    } finally {
      closeSync(fd);
    }
  }
}
