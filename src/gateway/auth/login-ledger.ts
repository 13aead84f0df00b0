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
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { type LineCursor, LineLog, readCompleteLines } from '../storage/line-log';
import { compactLoginLog, LoginLogUnreadableError } from './login-log-compaction';

type Mark = 'used' | 'revoked';

const SWEEP_EVERY_RECORDS = 1000;

function parseLine(line: string, now: number): { mark: Mark; key: string; expiresAt: number } | undefined {
  const [mark, key, expires] = line.split(' ');
  return (mark === 'used' || mark === 'revoked') && key && Number(expires) > now ? { mark: mark as Mark, key, expiresAt: Number(expires) } : undefined;
}

function unreadable(file: string, error: unknown): LoginLogUnreadableError {
  return new LoginLogUnreadableError(file, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
}

export class LoginLedger {
  readonly #log: LineLog;
  readonly #marks = new Map<string, { mark: Mark; expiresAt: number }>();
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

  /** Marks a nonce used; false when it was used or revoked before (a replay). */
  use(address: string, nonce: string, expiresAt: Date): boolean {
    if (this.#get(address, nonce)) return false;
    this.#record(`${address}:${nonce}`, 'used', expiresAt.getTime());
    return true;
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
    // Marks of expired logins are dropped now and then, not only when their nonce is seen again
    // (most never are): memory holds the logins still valid.
    if (++this.#recordsSinceSweep >= SWEEP_EVERY_RECORDS) {
      this.#recordsSinceSweep = 0;
      const now = Date.now();
      for (const [known, entry] of this.#marks) if (entry.expiresAt <= now) this.#marks.delete(known);
    }
  }

  #set(key: string, mark: Mark, expiresAt: number): void {
    const known = this.#marks.get(key);
    if (known?.mark === 'revoked') return;
    this.#marks.set(key, { mark, expiresAt });
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
        if (entry) this.#set(entry.key, entry.mark, entry.expiresAt);
      });
    } catch (error) {
      throw error instanceof LoginLogUnreadableError ? error : unreadable(file, error);
    } finally {
      closeSync(fd);
    }
  }
}
