// Token buckets per key (an IP address, an account): each key may make `burst` requests at once
// and `perMinute` a minute on average. A refused request learns how long until the next one is
// allowed, for the 429's Retry-After. Keys are kept in a bounded map (least recently used go
// first), so a flood of new addresses costs memory only up to the bound.

export interface RateLimit {
  /** Requests a minute on average; 0 turns the limit off. */
  readonly perMinute: number;
  /** Requests allowed at once after a quiet spell; default perMinute. */
  readonly burst?: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** Whole seconds until a request would be allowed (≥ 1 when refused). */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

const ALLOWED: RateDecision = { allowed: true, retryAfterSeconds: 0 };

export class RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(readonly limit: RateLimit, options: { maxKeys?: number; now?: () => number } = {}) {
    this.#perMs = limit.perMinute / 60_000;
    this.#burst = Math.max(1, limit.burst ?? limit.perMinute);
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.limit.perMinute > 0;
  }

  /** Takes one request from `key`'s bucket, or says how long to wait. */
  take(key: string): RateDecision {
    if (!this.enabled) return ALLOWED;
    const bucket = this.#refill(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return ALLOWED;
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000)) };
  }

  /** Whether `key` has a request left, without taking it. */
  peek(key: string): RateDecision {
    if (!this.enabled) return ALLOWED;
    const bucket = this.#refill(key);
    return bucket.tokens >= 1 ? ALLOWED : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000)) };
  }

  #refill(key: string): Bucket {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (bucket) {
      this.#buckets.delete(key);
      bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.updated) * this.#perMs);
      bucket.updated = now;
    } else {
      bucket = { tokens: this.#burst, updated: now };
      if (this.#buckets.size >= this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    this.#buckets.set(key, bucket);
    return bucket;
  }
}

/** Counts what is in progress per key, refusing more than `max` at once (0: no limit). */
export class ConcurrencyLimiter {
  readonly #counts = new Map<string, number>();

  constructor(readonly max: number) {}

  /** A release function when allowed, else undefined. */
  acquire(key: string): (() => void) | undefined {
    const count = this.#counts.get(key) ?? 0;
    if (this.max > 0 && count >= this.max) return undefined;
    this.#counts.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#counts.get(key) ?? 1) - 1;
      if (left <= 0) this.#counts.delete(key);
      else this.#counts.set(key, left);
    };
  }

  inFlight(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
}

/** `perMinute` (and optionally `burst`) as given in options and config, checked. */
export function checkRateLimit(value: RateLimit, where: string): RateLimit {
  if (!Number.isFinite(value.perMinute) || value.perMinute < 0) throw new Error(`${where}.perMinute must be a number ≥ 0 (0 turns the limit off), got ${value.perMinute}`);
  if (value.burst !== undefined && (!Number.isInteger(value.burst) || value.burst < 1)) throw new Error(`${where}.burst must be a whole number ≥ 1, got ${value.burst}`);
  return value;
}
