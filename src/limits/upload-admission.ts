// Whether an upload may start: a rate per client IP, a rate per account, and a bound on the uploads
// one account (or, anonymous, one IP) sends at once. One instance per gateway, shared by every way
// bytes come in (the OCI upload routes, the HTTP doors, the gRPC plugin door), so a client cannot
// get round a limit by switching doors. The IP is checked on its own first so that a door can
// refuse a flood before it spends anything on checking credentials.
import { ConcurrencyLimiter, type RateLimit, RateLimiter } from './rate-limiter';

export interface UploadLimits {
  readonly perIp?: RateLimit;
  readonly perAccount?: RateLimit;
  /** Upload requests one account (or, anonymous, one IP) sends at once; 0: no bound. */
  readonly concurrentPerAccount?: number;
  /** The most bytes one blob upload may carry (a bigger one is refused with 413, nothing kept). */
  readonly maxBlobBytes?: number;
}

// 16 GiB a blob: above the layers of the largest images in common use (model weights included),
// and a bound on the disk one upload can fill.
export const DEFAULT_MAX_BLOB_BYTES = 16 * 1024 ** 3;

export const DEFAULT_UPLOAD_LIMITS = { perIp: { perMinute: 6000, burst: 1000 }, perAccount: { perMinute: 3000, burst: 500 }, concurrentPerAccount: 16, maxBlobBytes: DEFAULT_MAX_BLOB_BYTES } as const satisfies UploadLimits;

export type UploadLimitName = 'upload_ip' | 'upload_account' | 'upload_concurrency';

export interface UploadRefusal {
  readonly limit: UploadLimitName;
  /** What was exceeded and what to do, for the client. */
  readonly message: string;
  readonly retryAfterSeconds: number;
}

export interface UploadAdmissionEvents {
  refused?(limit: UploadLimitName): void;
  started?(): void;
  ended?(): void;
}

export type Admission = { readonly admitted: true; readonly release: () => void } | ({ readonly admitted: false } & UploadRefusal);

export const rateMessage = (what: string, limit: RateLimit, retryAfterSeconds: number): string =>
  `too many ${what}: at most ${limit.perMinute} a minute (bursts of ${limit.burst ?? limit.perMinute}); retry in ${retryAfterSeconds} s`;

export class UploadAdmission {
  readonly limits: Required<UploadLimits>;
  readonly #perIp: RateLimiter;
  readonly #perAccount: RateLimiter;
  readonly #concurrent: ConcurrencyLimiter;

  constructor(limits: UploadLimits = {}, private readonly events: UploadAdmissionEvents = {}) {
    this.limits = { ...DEFAULT_UPLOAD_LIMITS, ...limits };
    this.#perIp = new RateLimiter(this.limits.perIp);
    this.#perAccount = new RateLimiter(this.limits.perAccount);
    this.#concurrent = new ConcurrencyLimiter(this.limits.concurrentPerAccount);
  }

  /** Takes one upload from `ip`'s allowance; a refusal when it has none left. */
  checkIp(ip: string): UploadRefusal | undefined {
    const decision = this.#perIp.take(ip);
    if (decision.allowed) return undefined;
    return this.#refuse('upload_ip', rateMessage(`upload requests from ${ip}`, this.limits.perIp, decision.retryAfterSeconds), decision.retryAfterSeconds);
  }

  /**
   * After checkIp: takes one upload from `account`'s allowance and a place among its uploads at
   * once. An admitted upload must be released when it ends, however it ends.
   */
  admit(ip: string, account: string | undefined): Admission {
    if (account !== undefined) {
      const decision = this.#perAccount.take(account);
      if (!decision.allowed) return { admitted: false, ...this.#refuse('upload_account', rateMessage(`upload requests by ${account}`, this.limits.perAccount, decision.retryAfterSeconds), decision.retryAfterSeconds) };
    }
    const release = this.#concurrent.acquire(account ?? `ip:${ip}`);
    if (!release) {
      const message = `${account ?? ip} already sends ${this.limits.concurrentPerAccount} uploads at once, the most allowed: retry once one of them ends (fewer parallel uploads, e.g. docker's --max-concurrent-uploads)`;
      return { admitted: false, ...this.#refuse('upload_concurrency', message, 1) };
    }
    this.events.started?.();
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        release();
        this.events.ended?.();
      },
    };
  }

  #refuse(limit: UploadLimitName, message: string, retryAfterSeconds: number): UploadRefusal {
    this.events.refused?.(limit);
    return { limit, message, retryAfterSeconds };
  }
}
