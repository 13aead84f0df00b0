// Long-lived API tokens for CI and devices: minted by a logged-in account, with scopes `read`,
// `publish` and `admin` (each includes the ones before it), listed and revoked by that account.
// A token stands for its account and never for more: the push policy still decides, per push,
// whether the account may write to the space. Only a hash of each token's secret is kept, in
// `<dataDir>/gateway/api-tokens.json`, read again whenever another process (a replica on the
// same data dir) changed it; revoked and expired tokens leave it after a while (token-pruning.ts).
//
// Every change (mint, revoke) is a read-modify-write of the file under a lock file beside it
// (`api-tokens.json.lock`, file-io/lock-file.ts), the file read again inside the lock: two
// processes changing it from their own copies at once would each write theirs, and one change
// would be lost (a revoked token working again). Verifying takes no lock: every write renames a
// whole file into place, so a reader sees the file before or after a change, never half of one.
//
// Another process may hold the lock for up to its wait bound (a replica stuck mid-write), so the
// request paths (createAsync, revokeAsync, revokeMintedWithLoginAsync) wait for it on timers: the
// gateway keeps serving pulls, pushes and probes while one mint waits. The change itself, from
// reading the file to renaming the new one into place, runs synchronously once the lock is taken.
// create, revoke and revokeMintedWithLogin block while they wait: for callers with nothing else
// to serve, and for a logout through LoginLedger.revoke, whose listeners are synchronous
// (LoginLedger.revokeAsync takes the waiting path, login-revocation.ts).
//
// A mint with a login and that login's logout race across processes: the mint's route found the
// login valid a moment before, and a logout elsewhere looks for what the login minted without the
// lock (most logins mint nothing, and their logouts need not wait). So a mint with a login asks
// the login ledger once more after its token is in the file, still holding the lock, and revokes
// the token at once (answering that the login was revoked) when it is: the logout has written its
// revocation before looking, the mint its token before asking, so whichever comes second sees
// what the first did, and a revoked login never leaves a token that works. It asks before writing
// too, which spares the file a token that could only be revoked.
//
// A process that dies mid-change leaves what it had in hand: a lock moved aside as stale
// (`api-tokens.json.lock.<hex>.stale`) or a token file it had not yet renamed into place
// (`.api-tokens.json.<hex>.partial`). Each exists for the microseconds to milliseconds of one
// change, so one unchanged for longer than the lock's staleness bound has no writer that is
// entitled to it (a holder held up that long has its lock taken over already), and goes, at start
// and then at most once per that bound as the lock is taken. Its writer, were it ever to go on,
// fails its change rather than write anything (file-io/exclusive-file.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type BigIntStats, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { removeTemporariesOlderThan, temporaryPathBeside, writeNewFileSync } from '../../file-io/exclusive-file';
import { LOCK_STALE_MS, type LockFileOptions, removeStaleLeftovers, withLockFile, withLockFileSync } from '../../file-io/lock-file';
import { revokedMinter, revokeWith } from './minting-chain';
import { deadSince, pruneTokens } from './token-pruning';

export const TOKEN_SCOPES = ['read', 'publish', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface ApiTokenInfo {
  readonly id: string;
  /** SS58 of the account the token acts for. */
  readonly account: string;
  readonly name: string;
  readonly scopes: TokenScope[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  /** The id of the token whose revocation revoked this one (it was minted through it). */
  readonly revokedWith?: string;
  /** Revoked because the login that minted it was revoked (logged out). */
  readonly revokedWithLogin?: true;
  /** `login`, or `token:<id>` when an admin token minted it. */
  readonly createdBy: string;
}

interface StoredToken extends ApiTokenInfo {
  readonly hash: string;
  /** The nonce of the login that minted it (createdBy `login`): revoking that login revokes the token. */
  readonly loginNonce?: string;
}

export interface MintOptions {
  readonly name: string;
  readonly scopes: TokenScope[];
  readonly ttlSeconds?: number;
  readonly notAfter?: Date;
  readonly createdBy: string;
  readonly loginNonce?: string;
  readonly now?: Date;
}

export class ApiTokenError extends Error {
  override readonly name = 'ApiTokenError';

  constructor(readonly reason: 'malformed' | 'unknown' | 'revoked' | 'expired' | 'not-yours' | 'invalid' | 'login-revoked', message: string) {
    super(message);
  }
}

const PREFIX = 'hcrt_';
const FORM = /^hcrt_([0-9a-f]{16})_([0-9a-f]{64})$/;
const MAX_TOKENS_PER_ACCOUNT = 100;

/** Whether a credential is shaped like an API token (as opposed to a login token or a JWT). */
export function isApiToken(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** Whether `scopes` grant `needed`: admin includes publish, publish includes read. */
export function scopeAllows(scopes: readonly TokenScope[], needed: TokenScope): boolean {
  const rank = (scope: TokenScope) => TOKEN_SCOPES.indexOf(scope);
  return scopes.some((scope) => rank(scope) >= rank(needed));
}

export function parseScopes(raw: unknown): TokenScope[] {
  const list = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s): s is TokenScope => typeof s === 'string' && (TOKEN_SCOPES as readonly string[]).includes(s))) {
    throw new ApiTokenError('invalid', `scopes must be one or more of ${TOKEN_SCOPES.join(', ')} (read: download and list; publish: also publish to the spaces the account may push to; admin: also mint and revoke the account's tokens)`);
  }
  return [...new Set(list)];
}

/** The earlier of `now + ttlSeconds` and `notAfter`; null (never) when neither is given. */
function expiryOf(now: Date, ttlSeconds: number | undefined, notAfter: Date | undefined): string | null {
  const times = [ttlSeconds ? now.getTime() + ttlSeconds * 1000 : undefined, notAfter?.getTime()].filter((t): t is number => t !== undefined);
  return times.length === 0 ? null : new Date(Math.min(...times)).toISOString();
}

const loginRevoked = () => new ApiTokenError('login-revoked', 'the login minting the token was revoked (logged out), so it mints nothing: log in again (`hcr login`), or mint with `hcr token create`');

/** Whether a token was minted with the login `loginNonce` of `account` and is not revoked yet. */
const workingFromLogin = (account: string, loginNonce: string) => (t: StoredToken) => t.account === account && t.loginNonce === loginNonce && !t.revokedAt;

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * Which version of the token file a stat shows. Not its modification time alone: that is only as
 * fine as the file system's clock tick, and a revocation written by another process in the tick
 * of the last write seen here would go unseen. Every write renames a new file into place, so the
 * inode (and its birth time) tells writes apart whatever their times.
 */
const versionOf = (stat: BigIntStats) => `${stat.dev}:${stat.ino}:${stat.birthtimeNs}:${stat.mtimeNs}:${stat.size}`;
const publicInfo = ({ hash: _hash, loginNonce: _loginNonce, ...info }: StoredToken): ApiTokenInfo => info;

export class ApiTokens {
  readonly #file: string;
  readonly #lock: LockFileOptions;
  #tokens: StoredToken[] = [];
  #byId = new Map<string, StoredToken>();
  #version = '';
  /** Whether a login is revoked now, whichever process revoked it (checkLoginsWith). */
  #loginRevoked: ((account: string, nonce: string) => boolean) | undefined;
  /** When leftovers of dead changes were last looked for (removeLeftovers). */
  #leftoversSweptAt = -Infinity;

  /** `lock.log` is told of a stale lock taken over (a process that died holding it). */
  constructor(file: string, lock: LockFileOptions = {}) {
    this.#file = file;
    this.#lock = { log: (line) => process.stderr.write(`${line}\n`), ...lock };
  }

  /**
   * Has every mint with a login ask `revoked` (the login ledger, read as it is on disk) under the
   * lock, before and after its token is written: a token whose login is revoked meanwhile is
   * revoked with it, and the mint refused.
   */
  checkLoginsWith(revoked: (account: string, nonce: string) => boolean): void {
    this.#loginRevoked = revoked;
  }

  /**
   * Removes the leftovers of changes whose process died (a lock moved aside as stale, a token file
   * never renamed into place) unchanged for longer than the lock's staleness bound, logging each.
   * Called at start, and as the lock is taken at most once per that bound.
   */
  removeLeftovers(): void {
    const staleMs = this.#lock.staleMs ?? LOCK_STALE_MS;
    this.#leftoversSweptAt = Date.now();
    let removed: string[];
    try {
      removed = [...removeStaleLeftovers(`${this.#file}.lock`, staleMs), ...removeTemporariesOlderThan(this.#file, staleMs)];
    } catch (error) {
      // No directory yet: nothing left behind. Anything else is tried again later: nothing waits on it.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#lock.log?.(`api tokens: could not look for leftovers of dead changes beside ${this.#file} (${(error as Error).message})`);
      return;
    }
    for (const name of removed) this.#lock.log?.(`api tokens: removed ${name}, left by a change whose process died`);
  }

  /**
   * `notAfter`: the token expires then at the latest (the expiry of the token that mints it).
   * Blocks while another process holds the lock: a request mints with createAsync.
   */
  create(account: string, options: MintOptions): { token: string; info: ApiTokenInfo } {
    return this.#change(this.#creation(account, options));
  }

  /** create, waiting for the lock without blocking the event loop. */
  async createAsync(account: string, options: MintOptions): Promise<{ token: string; info: ApiTokenInfo }> {
    return this.#changeAsync(this.#creation(account, options));
  }

  #creation(account: string, options: MintOptions): (tokens: StoredToken[]) => { token: string; info: ApiTokenInfo } {
    const now = options.now ?? new Date();
    const name = options.name.trim();
    if (name === '' || name.length > 100 || /[\x00-\x1f\x7f]/.test(name)) throw new ApiTokenError('invalid', 'name must be 1 to 100 characters without control characters, for example "ci" or "device-42"');
    return (tokens) => {
      // Tokens that still work: revoked and expired ones leave the file after a while.
      if (tokens.filter((t) => t.account === account && deadSince(t, now) === undefined).length >= MAX_TOKENS_PER_ACCOUNT) {
        throw new ApiTokenError('invalid', `${account} has ${MAX_TOKENS_PER_ACCOUNT} tokens that work already, the most one account may have: revoke some first (hcr token ls, hcr token revoke <id>)`);
      }
      return this.#mint(tokens, account, name, options, now);
    };
  }

  #mint(tokens: StoredToken[], account: string, name: string, options: { scopes: TokenScope[]; ttlSeconds?: number; notAfter?: Date; createdBy: string; loginNonce?: string }, now: Date): { token: string; info: ApiTokenInfo } {
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('hex');
    const stored: StoredToken = {
      id, account, name, scopes: options.scopes, createdAt: now.toISOString(),
      expiresAt: expiryOf(now, options.ttlSeconds, options.notAfter),
      revokedAt: null, createdBy: options.createdBy, ...(options.loginNonce ? { loginNonce: options.loginNonce } : {}), hash: hashOf(secret),
    };
    const nonce = options.loginNonce || undefined;
    if (nonce !== undefined && this.#loginRevoked?.(account, nonce)) throw loginRevoked();
    this.#save([...tokens, stored], now);
    if (nonce !== undefined && this.#loginRevoked?.(account, nonce)) {
      // Logged out since the look above, by a logout that may have looked for this token before
      // it was written: it goes now, before anyone has its secret.
      this.#save(revokeWith(this.#tokens, new Set([id]), now.toISOString(), { revokedWithLogin: true }), now);
      throw loginRevoked();
    }
    return { token: `${PREFIX}${id}_${secret}`, info: publicInfo(stored) };
  }

  list(account: string): ApiTokenInfo[] {
    return this.#load().filter((t) => t.account === account).map(publicInfo);
  }

  /** Blocks while another process holds the lock: a request revokes with revokeAsync. */
  revoke(account: string, id: string, now = new Date()): ApiTokenInfo {
    return this.#change((tokens) => this.#revokeIn(tokens, account, id, now));
  }

  /** revoke, waiting for the lock without blocking the event loop. */
  async revokeAsync(account: string, id: string, now = new Date()): Promise<ApiTokenInfo> {
    return this.#changeAsync((tokens) => this.#revokeIn(tokens, account, id, now));
  }

  #revokeIn(tokens: StoredToken[], account: string, id: string, now: Date): ApiTokenInfo {
    const found = tokens.find((t) => t.id === id);
    if (!found) throw new ApiTokenError('unknown', `there is no token ${JSON.stringify(id.slice(0, 32))}: list your tokens with GET /api/tokens (hcr token ls)`);
    if (found.account !== account) throw new ApiTokenError('not-yours', `token ${id} belongs to another account: an account revokes its own tokens only`);
    if (found.revokedAt) return publicInfo(found);
    // A token goes with the token that minted it: revoking an admin token (a leaked CI secret,
    // say) revokes what it minted and what those minted, or whoever held it would keep the
    // account's rights through tokens minted in advance.
    const updated = revokeWith(tokens, new Set([id]), now.toISOString(), {});
    this.#save(updated, now);
    return publicInfo(updated.find((t) => t.id === id)!);
  }

  /**
   * Revokes the tokens a login minted (and what those minted): its account logged it out, or
   * whoever read it off a machine did. Either way what it minted goes with it, as a token goes
   * with the token that minted it. Returns the tokens revoked. Blocks while another process holds
   * the lock, when the login minted something: revokeMintedWithLoginAsync waits without blocking.
   */
  revokeMintedWithLogin(account: string, loginNonce: string, now = new Date()): ApiTokenInfo[] {
    // Most logins minted nothing, and their logouts need not wait for the lock: #load reads the
    // file again once any process changed it, as verify trusts it to. Only a login found to
    // have minted something takes the lock, and is looked for again in the file read inside it.
    if (!this.#mintedWith(account, loginNonce)) return [];
    return this.#change(this.#revocationOfLogin(account, loginNonce, now));
  }

  /** revokeMintedWithLogin, waiting for the lock without blocking the event loop. */
  async revokeMintedWithLoginAsync(account: string, loginNonce: string, now = new Date()): Promise<ApiTokenInfo[]> {
    if (!this.#mintedWith(account, loginNonce)) return [];
    return this.#changeAsync(this.#revocationOfLogin(account, loginNonce, now));
  }

  #mintedWith(account: string, loginNonce: string): boolean {
    return this.#load().some(workingFromLogin(account, loginNonce));
  }

  #revocationOfLogin(account: string, loginNonce: string, now: Date): (tokens: StoredToken[]) => ApiTokenInfo[] {
    return (tokens) => {
      const roots = new Set(tokens.filter(workingFromLogin(account, loginNonce)).map((t) => t.id));
      if (roots.size === 0) return [];
      const updated = revokeWith(tokens, roots, now.toISOString(), { revokedWithLogin: true });
      this.#save(updated, now);
      return updated.filter((t, i) => t.revokedAt && !tokens[i].revokedAt).map(publicInfo);
    };
  }

  /** The token's account and scopes, or ApiTokenError saying why it is refused. */
  verify(token: string, now = new Date()): ApiTokenInfo {
    const match = FORM.exec(token.trim());
    if (!match) throw new ApiTokenError('malformed', 'the API token is malformed: it is hcrt_ followed by 16 and 64 hex digits, as `hcr token create` prints it');
    this.#load();
    const found = this.#byId.get(match[1]);
    const expected = Buffer.from(found?.hash ?? '0'.repeat(64), 'hex');
    const matches = timingSafeEqual(expected, Buffer.from(hashOf(match[2]), 'hex'));
    if (!found || !matches) throw new ApiTokenError('unknown', 'the API token is not known to this gateway: mint one with `hcr token create` (tokens live in the data dir of the gateway that minted them)');
    if (found.revokedAt) {
      const root = found.revokedWith === undefined ? undefined : this.#byId.get(found.revokedWith);
      const why = found.revokedWithLogin ? ' with the login it was minted with (logged out)' : root ? ` with the token "${root.name}" (${root.id}) it was minted through` : '';
      throw new ApiTokenError('revoked', `the API token "${found.name}" was revoked at ${found.revokedAt}${why}: mint a new one with \`hcr token create\``);
    }
    if (found.expiresAt && new Date(found.expiresAt).getTime() <= now.getTime()) throw new ApiTokenError('expired', `the API token "${found.name}" expired at ${found.expiresAt}: mint a new one with \`hcr token create\``);
    // Revocations cascade (revoke), but a token file written before they did, or edited by hand,
    // may hold a token whose minter was revoked alone: the chain of minters is checked too.
    const minterRefusal = revokedMinter(this.#byId, found);
    if (minterRefusal) throw new ApiTokenError('revoked', `the API token "${found.name}" ${minterRefusal}; a token goes with the token that minted it: mint a new one with \`hcr token create\``);
    return publicInfo(found);
  }

  /**
   * Runs `change` on the file as it is now, holding its lock: read again whatever the copy in hand
   * (its version could match by chance), and written (#save) before the lock goes.
   */
  #change<T>(change: (tokens: StoredToken[]) => T): T {
    mkdirSync(dirname(this.#file), { recursive: true });
    return withLockFileSync(`${this.#file}.lock`, () => this.#underLock(change), this.#lock);
  }

  /** #change, waiting for the lock on timers; the change itself runs as #change runs it. */
  async #changeAsync<T>(change: (tokens: StoredToken[]) => T): Promise<T> {
    mkdirSync(dirname(this.#file), { recursive: true });
    return withLockFile(`${this.#file}.lock`, () => this.#underLock(change), this.#lock);
  }

  #underLock<T>(change: (tokens: StoredToken[]) => T): T {
    if (Date.now() - this.#leftoversSweptAt > (this.#lock.staleMs ?? LOCK_STALE_MS)) this.removeLeftovers();
    this.#version = '';
    return change(this.#load());
  }

  #load(): StoredToken[] {
    let version: string;
    try {
      version = versionOf(statSync(this.#file, { bigint: true }));
    } catch {
      this.#remember([]);
      this.#version = '';
      return this.#tokens;
    }
    if (version !== this.#version) {
      this.#remember((JSON.parse(readFileSync(this.#file, 'utf8')) as { tokens: StoredToken[] }).tokens);
      this.#version = version;
    }
    return this.#tokens;
  }

  /**
   * Writes the tokens to keep (pruneTokens) whole, through a temporary file flushed to the disk
   * before it is renamed into place: never half a file, even after a crash. Called holding the lock.
   */
  #save(tokens: StoredToken[], now: Date): void {
    const kept = pruneTokens(tokens, now);
    const temporary = temporaryPathBeside(this.#file);
    let written: string;
    try {
      writeNewFileSync(temporary, Buffer.from(JSON.stringify({ tokens: kept }, null, 1)), 0o600);
      // Its own file's version, taken before it is in place: another process's write landing right
      // after would otherwise be taken for this one, and never read.
      written = versionOf(statSync(temporary, { bigint: true }));
      renameSync(temporary, this.#file);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    this.#remember(kept);
    this.#version = written;
  }

  #remember(tokens: StoredToken[]): void {
    this.#tokens = tokens;
    this.#byId = new Map(tokens.map((t) => [t.id, t]));
  }
}
