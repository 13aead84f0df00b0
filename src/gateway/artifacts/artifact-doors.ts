// What the artifact front doors share per gateway: the default space for bare names, the index
// they read from, how long a publish waits for the index to list it, and which versions are
// being published right now (a second publish of the same version waits for no chain round
// trip to be refused).
import { type RateLimit, RateLimiter } from '../../limits/rate-limiter';
import { ArtifactCatalog } from './catalog';
import type { IndexHttp } from '../resolve/index-http';
import { ArtifactError } from './errors';

export interface ArtifactDoorOptions {
  /** Bare names (`sensor`) mean `<defaultSpace>/sensor`; without one only `<space>/<name>` works. */
  readonly defaultSpace?: string;
  /** The index's GraphQL URL; without it (or `index`) listings, searches and ranges answer 503. */
  readonly graphqlUrl?: string;
  /** The gateway's shared index client, used instead of graphqlUrl (its bound counts every query the gateway sends). */
  readonly index?: IndexHttp;
  /** How long a publish waits for the index to list the new version before answering; default 30 s. */
  readonly indexWaitMs?: number;
  /** Publishes per account (each is a chain transaction the gateway's key pays for); default 120 a minute, bursts of 30. */
  readonly publishLimit?: RateLimit;
  /** The largest file one artifact version may carry, in bytes; default 4 GiB. */
  readonly maxFileBytes?: number;
  /** The most bytes of all files of one version together (a package has up to 16); default maxFileBytes. */
  readonly maxVersionBytes?: number;
}

export const DEFAULT_PUBLISH_LIMIT: RateLimit = { perMinute: 120, burst: 30 };
/** Firmware images, package tarballs and plugins are far smaller; the bound keeps one publisher from filling the disk. */
export const DEFAULT_ARTIFACT_FILE_BYTES = 4 * 1024 ** 3;

const RECENT_ENTRIES = 1000;

export class ArtifactDoors {
  readonly defaultSpace?: string;
  readonly catalog?: ArtifactCatalog;
  readonly indexWaitMs: number;
  readonly maxFileBytes: number;
  readonly maxVersionBytes: number;
  readonly #publishing = new Set<string>();
  readonly #publishes: RateLimiter;
  readonly #recent = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(options: ArtifactDoorOptions = {}) {
    this.defaultSpace = options.defaultSpace;
    const index = options.index ?? options.graphqlUrl;
    this.catalog = index ? new ArtifactCatalog(index) : undefined;
    this.indexWaitMs = options.indexWaitMs ?? 30_000;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_ARTIFACT_FILE_BYTES;
    // A version's files together are as large as one file may be, unless the operator says more:
    // sixteen files of the largest size would be 64 GiB taken by one request.
    this.maxVersionBytes = options.maxVersionBytes ?? this.maxFileBytes;
    this.#publishes = new RateLimiter(options.publishLimit ?? DEFAULT_PUBLISH_LIMIT);
  }

  /** Counts a publish against its account's limit, or refuses it (429) saying when to retry. */
  takePublish(account: string | undefined): void {
    const decision = this.#publishes.take(account ?? 'anonymous');
    if (decision.allowed) return;
    const limit = this.#publishes.limit;
    throw new ArtifactError('TOO_MANY_REQUESTS', `too many publishes${account ? ` by ${account}` : ''}: at most ${limit.perMinute} a minute (bursts of ${limit.burst ?? limit.perMinute}), each one a chain transaction; retry in ${decision.retryAfterSeconds} s`, { retryAfterSeconds: decision.retryAfterSeconds });
  }

  /** The index, or a 503 saying the gateway runs without one. */
  requireCatalog(): ArtifactCatalog {
    if (!this.catalog) throw new ArtifactError('UNAVAILABLE', 'this gateway runs without the index (GRAPHQL_URL), which listings, searches and version ranges need: start it with --graphql, or ask a gateway that has it');
    return this.catalog;
  }

  /**
   * A value read within the last `ttlMs` (concurrent readers share one read; failures are not
   * kept). Devices of a fleet download the same version at once: each need not read the chain.
   */
  recently<T>(key: string, ttlMs: number, read: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const known = this.#recent.get(key);
    if (known && now - known.at < ttlMs) return known.value as Promise<T>;
    const value = read();
    this.#recent.delete(key);
    this.#recent.set(key, { at: now, value });
    value.catch(() => this.#recent.delete(key));
    // Oldest first: past the bound, the entries read longest ago go.
    for (const [old] of this.#recent) {
      if (this.#recent.size <= RECENT_ENTRIES) break;
      this.#recent.delete(old);
    }
    return value;
  }

  /** Forgets what was read of `<name>:<version>` (a publish just changed it). */
  forget(key: string): void {
    this.#recent.delete(key);
  }

  /** Marks `<name>:<version>` as being published; the returned function unmarks it. */
  claim(name: string, version: string): () => void {
    const key = `${name}:${version}`;
    if (this.#publishing.has(key)) throw new ArtifactError('VERSION_EXISTS', `${name} ${version} is being published right now by another request: versions are immutable, publish another version`);
    this.#publishing.add(key);
    return () => this.#publishing.delete(key);
  }
}
