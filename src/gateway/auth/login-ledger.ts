// Login nonces the gateway has seen: revoked ones (logout) are refused until they would have
// expired anyway; in single-use mode every nonce works once, so a replayed token is refused.
// Kept in a log file in the data dir so a restart does not forget them. What else a login made
// (API tokens it minted) is told of its revocation through onRevoked: synchronously by revoke,
// and by revokeAsync through the listener's waiting form where it has one (one that waits for a
// lock another process holds, without blocking the event loop meanwhile).
//
// A nonce revoked again is not written again (a loop of logouts with one token would otherwise
// grow the log a line at a time). The log is read line by line; one that exists but cannot be
// read stops the constructor, and so the gateway's start, with LoginLogUnreadableError naming the
// file and the fix: never a start that has forgotten the logouts in it.
//
// Several gateway processes may share one data dir (as with api-tokens.json): before each answer
// (isRevoked, use, revoke) the lines other processes appended since the last read are taken in,
// read from the byte offset read up to (a stat when nothing changed). A log replaced (compacted
// by a process starting: another file) or cut shorter is read whole again; marks are only ever
// added, so reading a line twice changes nothing. A last line without its newline yet (being
// appended) is left for the next read, never taken half.
//
// Taking a login once is decided by the log itself, not by a look before writing: two processes
// could both look, find the nonce unused, and both take it. Each `used` line carries a random
// claim; a process appends its own and reads the log on, and the first `used` line of the nonce in
// the log (appends to one file are ordered) is the one that took it. The process whose claim that
// is answers true, any other false.
//
// A process starting compacts the log (login-log-compaction.ts): it sets the log aside and writes
// its live lines back after whatever other processes appended meanwhile, so the file's order no
// longer says which `used` line came first. Each line written back counts how many times it has
// been (its last field), and a line written back more times is older: a `used` line with a higher
// count beats one with a lower count wherever it stands. Two starts at once can each write back a
// line once though one is older, so two lines of another claim written back as many times are a
// contest that neither claim wins; lines never written back are ordered by the file. A line still
// in a log set aside is older than every line of the log, so a process whose line came first also
// reads the logs set aside, then the log again (a start that has just finished wrote its lines
// back there), and decides only once neither the log nor the logs set aside changed meanwhile, and
// only on its line read in the log itself: one seen only in a log set aside can have landed there
// after the start read that file, and go with it (login-log-compaction.ts).
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { type LineCursor, readCompleteLines } from '../storage/line-log';
import { appendToLoginLog, compactLoginLog, forEachLoginLine, LoginLogUnreadableError, logIdentity, setAsideLogs } from './login-log-compaction';

type Mark = 'used' | 'revoked';

const SWEEP_EVERY_RECORDS = 1000;

interface Entry {
  mark: Mark;
  expiresAt: number;
  /** For `used`: the random claim of whoever wrote it (absent in older logs). */
  claim?: string;
  /** How many times a compaction has written the line back: the higher, the older. */
  carried: number;
  /** For `used`: another claim's line was written back as many times (not 0): neither took it. */
  contested?: boolean;
}

/**
 * A line: `<mark> <address>:<nonce> <expiry ms>`; for `used` then the claim (`-`: none) and how many
 * times it was written back (absent: none).
 */
function parseLine(line: string, now: number): (Entry & { key: string }) | undefined {
  const [mark, key, expires, claim, carried] = line.split(' ');
  if ((mark !== 'used' && mark !== 'revoked') || !key || !(Number(expires) > now)) return undefined;
  const count = Number(carried ?? 0);
  return { mark, key, expiresAt: Number(expires), claim: claim === '-' ? undefined : claim, carried: Number.isSafeInteger(count) && count > 0 ? count : 0 };
}

/** The line a compaction writes back for `line` (undefined: expired or not a mark, dropped). */
function carriedLine(line: string, now: number): string | undefined {
  const entry = parseLine(line, now);
  if (!entry) return undefined;
  if (entry.mark === 'revoked') return `revoked ${entry.key} ${entry.expiresAt}`;
  return `used ${entry.key} ${entry.expiresAt} ${entry.claim ?? '-'} ${entry.carried + 1}`;
}

/** The first `used` line of a nonce, given the one known so far and the next one read. */
function firstUsed(known: Entry | undefined, next: Entry): Entry {
  if (!known || next.carried > known.carried) return next;
  if (next.carried === known.carried && next.carried > 0 && next.claim !== known.claim) return { ...known, contested: true };
  return known;
}

/** How many times the check of a claim is made again while starts keep moving the log. */
const STABLE_CHECKS = 100;

/** How often a `used` line lost to another process's compaction of the log is written again. */
const CLAIM_ATTEMPTS = 3;

/** How long a look waits before the next when this process's line is, for now, only in a log set aside. */
const SET_ASIDE_WAIT_MS = 1;
/**
 * How long a call waits in all for a start to write its line back from a log set aside (a few
 * milliseconds, unless the starting process is held up): past it, it refuses. Counted apart from
 * STABLE_CHECKS, which a busy machine could use up within one start's writing back.
 */
const SET_ASIDE_WAIT_LIMIT_MS = 2_000;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks for `ms` (use() answers synchronously; a start writes a log back within milliseconds). */
function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name) => b.includes(name));
}

function unreadable(file: string, error: unknown): LoginLogUnreadableError {
  return new LoginLogUnreadableError(file, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
}

type RevokedListener = (address: string, nonce: string) => void;
type WaitingRevokedListener = (address: string, nonce: string) => Promise<void>;

export class LoginLedger {
  readonly #file: string;
  readonly #marks = new Map<string, Entry>();
  readonly #revokedListeners: { now: RevokedListener; waiting?: WaitingRevokedListener }[] = [];
  #recordsSinceSweep = 0;
  /** The log file read (logIdentity; undefined: none yet) and how far its lines were taken in. */
  #logId: string | undefined;
  #read: LineCursor = { offset: 0, skipping: false };

  constructor(file: string) {
    this.#file = file;
    mkdirSync(dirname(file), { recursive: true });
    const now = Date.now();
    compactLoginLog(file, (line) => carriedLine(line, now));
    this.#catchUp();
  }

  isRevoked(address: string, nonce: string): boolean {
    return this.#get(address, nonce) === 'revoked';
  }

  /**
   * Whether the login is revoked, by this process or another, as the log and the logs set aside
   * say now. isRevoked reads the log alone, and a revocation another process appended just before
   * a start set the log aside is, until that start has written it back, only in a log set aside:
   * what must not miss a logout that has already been answered (a mint saving its token, which
   * that logout looked for and did not find) asks this. Decided on a look during which neither the
   * log nor the logs set aside changed; starts moving the log through every look answer true (the
   * caller refuses, and the client asks again), never a revocation overlooked.
   */
  isRevokedNow(address: string, nonce: string): boolean {
    const key = `${address}:${nonce}`;
    for (let check = 0; check < STABLE_CHECKS; check++) {
      const look = this.#stableLook(key);
      if (look) return look.known?.mark === 'revoked' || look.setAside?.mark === 'revoked';
    }
    return true;
  }

  /**
   * The nonce's entries in the log and in the logs set aside, from one look during which neither
   * changed; undefined when either did (look again). No log at either end (a start has set it
   * aside and written nothing back yet) is a look too: every line is then in the logs set aside,
   * or was read before.
   */
  #stableLook(key: string): { known?: Entry; setAside?: Entry } | undefined {
    this.#catchUp();
    const logRead = this.#logId;
    const asides = setAsideLogs(this.#file);
    const setAside = this.#firstInSetAsideLogs(asides, key);
    this.#catchUp();
    if (this.#logId !== logRead || !sameNames(setAsideLogs(this.#file), asides)) return undefined;
    return { known: this.#marks.get(key), setAside };
  }

  /** Marks a nonce used; false when it was used or revoked before (a replay), here or by another process. */
  use(address: string, nonce: string, expiresAt: Date): boolean {
    const key = `${address}:${nonce}`;
    // Every claim this call wrote: one that went into a log set aside is still this call's.
    const claims = new Set<string>();
    const ours = (entry: Entry | undefined) => entry?.mark === 'used' && !entry.contested && entry.claim !== undefined && claims.has(entry.claim);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      if (this.#get(address, nonce)) return false;
      const claim = randomBytes(9).toString('base64url');
      claims.add(claim);
      // Not placed after every attempt (starts moving the log all the while): the look below finds it nowhere.
      appendToLoginLog(this.#file, `used ${key} ${expiresAt.getTime()} ${claim}\n`);
      this.#counted();
      // Read on past this process's own line, in the log and in the logs set aside (where it may
      // have gone, and where older lines wait to be written back): whichever `used` line of the
      // nonce came first took it. Decided on a look during which neither changed.
      let lost = false;
      const waitUntil = Date.now() + SET_ASIDE_WAIT_LIMIT_MS;
      for (let check = 0; check < STABLE_CHECKS && !lost; check++) {
        const look = this.#stableLook(key);
        if (!look) continue;
        const { known, setAside } = look;
        if (known?.mark === 'revoked' || setAside?.mark === 'revoked') return false;
        const first = known && setAside ? firstUsed(known, setAside) : (known ?? setAside);
        if (!first) {
          lost = true; // Nowhere: its log was replaced and its lines dropped meanwhile. Written again.
          continue;
        }
        if (!ours(first)) return false;
        // Taken only on a line read in the log itself. One seen only in a log set aside may have
        // landed there after the start that moved it read it (appendToLoginLog writes it again
        // then, into the new log, where another claim may come before it), and goes with that
        // file: decided once the start has written it back, or the line is found lost.
        if (ours(known) && known!.claim === first.claim) return true;
        if (Date.now() >= waitUntil) return false;
        pause(SET_ASIDE_WAIT_MS);
        check--;
      }
      // Starts one after another for the whole time: refused (the client logs in again) rather
      // than taken on a look that may have missed an older line.
      if (!lost) return false;
    }
    return false;
  }

  revoke(address: string, nonce: string, expiresAt: Date): void {
    // Already revoked: nothing is written, but the listeners are told again (a logout whose
    // listener failed is sent again to finish what the login minted).
    this.#recordRevoked(address, nonce, expiresAt);
    for (const listener of this.#revokedListeners) listener.now(address, nonce);
  }

  /** Writes the revocation, unless the login is revoked already. */
  #recordRevoked(address: string, nonce: string, expiresAt: Date): void {
    if (!this.isRevoked(address, nonce)) this.#record(`${address}:${nonce}`, 'revoked', expiresAt.getTime());
  }

  /**
   * revoke, the listeners told through their waiting form where they have one: settles once they
   * are done, and fails as the first of them to fail. The revocation is recorded before this
   * returns its promise, so before any listener looks for what the login made.
   */
  async revokeAsync(address: string, nonce: string, expiresAt: Date): Promise<void> {
    this.#recordRevoked(address, nonce, expiresAt);
    for (const listener of this.#revokedListeners) await (listener.waiting ?? listener.now)(address, nonce);
  }

  /**
   * Calls `listener` with each login revoked from now on, once it is recorded; revokeAsync calls
   * `waiting` instead, when given (the same work, waiting without blocking).
   */
  onRevoked(listener: RevokedListener, waiting?: WaitingRevokedListener): void {
    this.#revokedListeners.push({ now: listener, waiting });
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
    // A logout that other processes (and the next start) would not see could be undone by them:
    // refused, and kept nowhere, so that the logout asked again writes it.
    if (!appendToLoginLog(this.#file, `${mark} ${key} ${expiresAt}\n`)) {
      throw new Error(`the login ledger ${this.#file} was moved by starting gateway processes during every write of a ${mark} mark: try again once they have started`);
    }
    this.#set(key, { mark, expiresAt, carried: 0 });
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

  #set(key: string, entry: Entry): void {
    const known = this.#marks.get(key);
    if (known?.mark === 'revoked') return;
    // The first `used` line of a nonce is the one that took it: a later one does not replace it.
    this.#marks.set(key, known?.mark === 'used' && entry.mark === 'used' ? firstUsed(known, entry) : entry);
  }

  /**
   * The first mark of `key` in the logs set aside, `asides`, as it will stand once they are written
   * back into the log (once more than now): a revocation, or the first `used` line.
   */
  #firstInSetAsideLogs(asides: readonly string[], key: string): Entry | undefined {
    const now = Date.now();
    let first: Entry | undefined;
    for (const aside of asides) {
      // Gone meanwhile: its start has written it back into the log (the look is then made again).
      forEachLoginLine(aside, (line) => {
        const entry = parseLine(line, now);
        if (entry?.key !== key || first?.mark === 'revoked') return;
        const carried = { ...entry, carried: entry.carried + 1 };
        first = entry.mark === 'revoked' ? carried : firstUsed(first, carried);
      });
    }
    return first;
  }

  /**
   * Takes in the lines appended to the log since it was last read (by this process or another
   * sharing the data dir): a stat when nothing changed. A log replaced or shortened is read whole.
   */
  #catchUp(): void {
    const file = this.#file;
    let size: number;
    try {
      const stat = statSync(file, { bigint: true });
      size = Number(stat.size);
      if (logIdentity(stat) === this.#logId && size === this.#read.offset) return;
    } catch (error) {
      // None (yet, or for the moment another process compacting it takes to write it back): what
      // was read stays known, and the log found next is read whole.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#logId = undefined;
        return;
      }
      throw unreadable(file, error);
    }
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#logId = undefined;
        return;
      }
      throw unreadable(file, error);
    }
    try {
      const stat = fstatSync(fd, { bigint: true });
      size = Number(stat.size);
      if (logIdentity(stat) !== this.#logId || size < this.#read.offset) {
        this.#logId = logIdentity(stat);
        this.#read = { offset: 0, skipping: false };
      }
      const now = Date.now();
      // A last line without its newline yet is being appended: it is read once complete.
      readCompleteLines(fd, this.#read, size, (line) => {
        const entry = parseLine(line, now);
        if (entry) this.#set(entry.key, entry);
      });
    } catch (error) {
      throw error instanceof LoginLogUnreadableError ? error : unreadable(file, error);
    } finally {
      closeSync(fd);
    }
  }
}
