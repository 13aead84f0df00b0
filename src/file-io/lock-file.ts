// An exclusive lock shared by processes: gateways on one data dir each rewrite a small file (the
// API token file) from what they read, and two rewrites at once would lose one of them. Node has
// no flock, so the lock is a file beside the guarded one, created with O_CREAT|O_EXCL: exactly one
// creator wins, on any local file system and on NFSv3 or later. It holds the holder's pid, a name
// for the holder's host (and pid namespace) and a random token.
//
// A holder that crashed leaves its lock behind, and nothing may wait for it for ever: a lock whose
// pid is gone on this host (and pid namespace: two containers can share a volume and a hostname,
// and each has its own pid 7) is stale at once, and any lock older than `staleMs` is stale
// wherever its holder runs (the pid of another host cannot be asked, and a pid can be reused).
// Guarded work takes milliseconds, so `staleMs` is far longer than any holder really holds.
//
// A stale lock is taken over by renaming it aside, never by unlinking its path: two processes may
// judge it stale at once, and the second unlink would remove the first's new lock. A rename moves
// exactly one file; what was moved is checked to be the lock judged stale (same inode, birth time
// and contents), and a newer lock moved by mistake is linked back. A process that dies between the
// rename and its removal leaves `<lock>.<hex>.stale` behind, which removeStaleLeftovers clears once
// unchanged for longer than `staleMs`: its taker needed it for microseconds, and a live lock moved
// by mistake is young (a rename sets the change time too, where the file system keeps one).
//
// A lock that cannot be taken within `waitMs` is LockFileBusyError, naming the lock file and its
// holder: something to retry, never a hang. In the common case the holder is done in a millisecond
// or two, but a holder in another process may keep it for the whole bound: withLockFile waits on
// timers, so a server keeps answering everything else while one request waits, and only the
// guarded work itself (milliseconds, synchronous) runs with the lock held. withLockFileSync blocks
// the thread while it waits, for code with nothing else to serve (start, scripts, tests).
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, dirname } from 'node:path';
import { EXCLUSIVE_CREATE } from './exclusive-file';
import { removeLeftovers } from './leftovers';

export interface LockFileOptions {
  /** How long to wait for another holder before LockFileBusyError. */
  readonly waitMs?: number;
  /** A lock older than this is stale whoever holds it. */
  readonly staleMs?: number;
  /** Told of a stale lock taken over, or of a lock lost to a takeover. */
  readonly log?: (line: string) => void;
}

export const LOCK_WAIT_MS = 2_000;
export const LOCK_STALE_MS = 10_000;

export class LockFileBusyError extends Error {
  override readonly name = 'LockFileBusyError';

  constructor(readonly lockFile: string, waitedMs: number, holder: string, staleMs: number) {
    super(`the lock file ${lockFile} is held by ${holder} and was not released within ${waitedMs} ms; retry shortly (a lock whose process is gone is taken over at once, any lock after ${staleMs / 1000} s)`);
  }
}

interface Holder {
  readonly pid?: number;
  readonly host?: string;
  readonly token?: string;
  readonly raw: string;
  readonly identity: string;
  readonly ageMs: number;
}

/**
 * Runs `work` holding the lock file `lockFile`, and releases it whatever `work` does. Blocks the
 * thread while another holder has it (up to `waitMs`): a server waits with withLockFile instead.
 */
export function withLockFileSync<T>(lockFile: string, work: () => T, options: LockFileOptions = {}): T {
  const attempt = new Attempt(lockFile, options);
  for (let pauseMs = attempt.next(); pauseMs !== undefined; pauseMs = attempt.next()) sleepSync(pauseMs);
  return holding(lockFile, attempt.token, work, options);
}

/**
 * Runs `work` holding the lock file `lockFile`, and releases it whatever `work` does, waiting for
 * another holder on timers: the event loop serves other requests meanwhile. `work` is synchronous,
 * so nothing else in this process runs between taking the lock and releasing it.
 */
export async function withLockFile<T>(lockFile: string, work: () => T, options: LockFileOptions = {}): Promise<T> {
  const attempt = new Attempt(lockFile, options);
  for (let pauseMs = attempt.next(); pauseMs !== undefined; pauseMs = attempt.next()) await sleep(pauseMs);
  return holding(lockFile, attempt.token, work, options);
}

function holding<T>(lockFile: string, token: string, work: () => T, options: LockFileOptions): T {
  try {
    return work();
  } finally {
    release(lockFile, token, options);
  }
}

/** This process's host and pid namespace: where a pid in a lock file can be asked about. */
const HOST = (() => {
  let namespace = '';
  try {
    namespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    // No /proc (macOS): the hostname alone, as containers are Linux.
  }
  return `${hostname()}/${namespace}`;
})();

const pause = new Int32Array(new SharedArrayBuffer(4));
const sleepSync = (ms: number) => void Atomics.wait(pause, 0, 0, ms);

/**
 * One taking of the lock, in steps: `next` tries to take it (taking over a stale lock as it goes),
 * and answers undefined once it is this attempt's, or how long to pause before the next try. It
 * throws LockFileBusyError once `waitMs` have gone by. The pause is the caller's, blocking or not;
 * the rules are the same either way.
 */
class Attempt {
  readonly token = randomBytes(16).toString('hex');
  readonly #started = Date.now();
  readonly #waitMs: number;
  readonly #staleMs: number;
  #delay = 1;

  constructor(readonly lockFile: string, readonly options: LockFileOptions) {
    this.#waitMs = options.waitMs ?? LOCK_WAIT_MS;
    this.#staleMs = options.staleMs ?? LOCK_STALE_MS;
  }

  next(): number | undefined {
    const { lockFile, options } = this;
    for (;;) {
      if (create(lockFile, this.token)) return undefined;
      const holder = holderOf(lockFile);
      if (holder === undefined) continue; // released meanwhile: try again at once
      const stale = staleness(holder, this.#staleMs);
      if (stale && takeOver(lockFile, holder)) {
        options.log?.(`lock file ${lockFile}: took over a stale lock (${stale}), held by ${describe(holder)}`);
        continue;
      }
      const waited = Date.now() - this.#started;
      if (waited >= this.#waitMs) throw new LockFileBusyError(lockFile, waited, describe(holder), this.#staleMs);
      // Backs off with jitter (waiters out of step), to 4 ms a try at most: a holder is done in a
      // millisecond or two, and a waiter that looked less often would keep missing the moment the
      // lock is free while another process changes the file again and again.
      const pauseMs = Math.min(this.#delay, this.#waitMs - waited) * (0.5 + Math.random());
      this.#delay = Math.min(this.#delay * 2, 4);
      return pauseMs;
    }
  }
}

/** Creates the lock, or false when one is there. */
function create(lockFile: string, token: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockFile, EXCLUSIVE_CREATE, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: HOST, token, at: new Date().toISOString() }));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The lock's holder as the file says, or undefined when there is no lock now. */
function holderOf(lockFile: string): Holder | undefined {
  try {
    const stat = statSync(lockFile, { bigint: true });
    const raw = readFileSync(lockFile, 'utf8');
    // Empty or cut short: its holder died between creating and writing it (or is writing it now),
    // and only its age can tell.
    let parsed: { pid?: unknown; host?: unknown; token?: unknown } = {};
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {}
    return {
      pid: typeof parsed.pid === 'number' ? parsed.pid : undefined,
      host: typeof parsed.host === 'string' ? parsed.host : undefined,
      token: typeof parsed.token === 'string' ? parsed.token : undefined,
      raw,
      identity: identityOf(stat, raw),
      ageMs: Date.now() - Number(stat.mtimeMs),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const identityOf = (stat: { dev: bigint; ino: bigint; birthtimeNs: bigint }, raw: string) => `${stat.dev}:${stat.ino}:${stat.birthtimeNs}:${raw}`;

/** Why the lock is stale, or undefined while its holder may still be working. */
function staleness(holder: Holder, staleMs: number): string | undefined {
  if (holder.ageMs > staleMs) return `older than ${staleMs / 1000} s`;
  if (holder.pid !== undefined && holder.host === HOST && !alive(holder.pid)) return `process ${holder.pid} is gone`;
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes the locks moved aside as stale beside `lockFile` (takeOver) whose taker died before
 * removing them: those not changed (renamed there, or linked back) for longer than `staleMs`. A
 * taker still checking what it moved has done so within microseconds of the rename. Returns the
 * names removed.
 */
export function removeStaleLeftovers(lockFile: string, staleMs: number, now = Date.now()): string[] {
  const prefix = `${basename(lockFile)}.`;
  // `<lock>.<16 hex digits>.stale`, as takeOver names them, and nothing else. The change time
  // counts, not the modification time: the rename aside sets the first, and the second is the
  // lock's own, old already when it was taken over for its age.
  const isMovedAside = (name: string) => name.startsWith(prefix) && /^[0-9a-f]{16}\.stale$/.test(name.slice(prefix.length));
  return removeLeftovers(dirname(lockFile), isMovedAside, staleMs, now);
}

/** Moves the stale lock aside; true when the one moved was that lock. */
function takeOver(lockFile: string, holder: Holder): boolean {
  const aside = `${lockFile}.${randomBytes(8).toString('hex')}.stale`;
  try {
    renameSync(lockFile, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false; // released, or taken over by another
    throw error;
  }
  let moved: string | undefined;
  try {
    moved = identityOf(statSync(aside, { bigint: true }), readFileSync(aside, 'utf8'));
  } catch {}
  if (moved !== holder.identity) {
    // Another process took the stale lock over and a new holder took the lock first: its lock
    // goes back where it was, unless a third has taken the path meanwhile.
    try {
      linkSync(aside, lockFile);
    } catch {}
  }
  rmSync(aside, { force: true });
  return moved === holder.identity;
}

/** Removes the lock if it is still this holder's: one taken over as stale is another's now. */
function release(lockFile: string, token: string, options: LockFileOptions): void {
  const holder = holderOf(lockFile);
  if (holder?.token === token) {
    rmSync(lockFile, { force: true });
    return;
  }
  options.log?.(`lock file ${lockFile}: this process's lock was taken over as stale before it was released (held longer than ${(options.staleMs ?? LOCK_STALE_MS) / 1000} s?)`);
}

function describe(holder: Holder): string {
  const who = holder.pid === undefined ? 'an unknown process' : `process ${holder.pid}${holder.host === HOST ? '' : ` on ${holder.host ?? 'an unknown host'}`}`;
  return `${who} for ${Math.round(holder.ageMs)} ms`;
}
