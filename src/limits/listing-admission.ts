// Whether a listing or a search at the artifact doors may start now: a rate per client IP and a
// bound on the listings one client has in progress at once. Each one asks the index for up to
// thousands of rows and builds its answer in memory (an anonymous GET /firmware reads up to five
// pages of 1,000 versions), so without a bound of its own one client sending hundreds side by side
// keeps the index and the gateway's CPU busy for everyone. One instance per gateway, shared by the
// HTTP doors and the gRPC plugin door, so that switching doors gets a client nothing.
import { checkRateLimit, ConcurrencyLimiter, type RateLimit, RateLimiter } from './rate-limiter';
import { rateMessage } from './upload-admission';

export interface ListingLimits {
  readonly perIp?: RateLimit;
  /** Listings one client IP has in progress at once; 0: no bound. */
  readonly concurrentPerIp?: number;
}

// Far above what a person, `hcr artifact ls` or a mirror paging through a space sends (one at a
// time), and a few for a fleet of devices behind one address.
export const DEFAULT_LISTING_LIMITS = { perIp: { perMinute: 300, burst: 100 }, concurrentPerIp: 4 } as const satisfies Required<ListingLimits>;

export type ListingLimitName = 'listing_ip' | 'listing_concurrency';

export interface ListingRefusal {
  readonly limit: ListingLimitName;
  /** What was exceeded, the setting that raises it, and what to do, for the client. */
  readonly message: string;
  readonly retryAfterSeconds: number;
}

export type ListingAdmit = { readonly admitted: true; readonly release: () => void } | ({ readonly admitted: false } & ListingRefusal);

/** Behind a reverse proxy every client has the proxy's address unless the gateway believes its X-Forwarded-For. */
const BEHIND_A_PROXY = 'behind a reverse proxy, list it in gateway.trustProxy (--trust-proxy) so that its clients count apart';

export class ListingAdmission {
  readonly limits: Required<ListingLimits>;
  readonly #perIp: RateLimiter;
  readonly #concurrent: ConcurrencyLimiter;

  constructor(limits: ListingLimits = {}, private readonly events: { refused?(limit: ListingLimitName): void } = {}) {
    this.limits = { ...DEFAULT_LISTING_LIMITS, ...limits };
    checkRateLimit(this.limits.perIp, 'gateway.limits.listings.perIp');
    const max = this.limits.concurrentPerIp;
    if (!Number.isInteger(max) || max < 0) throw new Error(`gateway.limits.listings.concurrentPerIp must be a whole number ≥ 0 (0: no bound), got ${max}`);
    this.#perIp = new RateLimiter(this.limits.perIp);
    this.#concurrent = new ConcurrencyLimiter(max);
  }

  /**
   * Takes one listing from `ip`'s allowance and a place among its listings at once. An admitted
   * listing is released when its work ends (not when its client hangs up: the index queries it
   * started still run), however it ends.
   */
  admit(ip: string): ListingAdmit {
    const decision = this.#perIp.take(ip);
    if (!decision.allowed) {
      const message = `${rateMessage(`listings and searches from ${ip}`, this.limits.perIp, decision.retryAfterSeconds)}; gateway.limits.listings.perIp in the configuration file raises it (${BEHIND_A_PROXY})`;
      return this.#refuse('listing_ip', message, decision.retryAfterSeconds);
    }
    const release = this.#concurrent.acquire(ip);
    if (!release) {
      const max = this.limits.concurrentPerIp;
      const message = `${ip} already has ${max} listings or searches in progress, the most one client may have at once: wait for an answer before asking for the next (retry in 1 s); gateway.limits.listings.concurrentPerIp in the configuration file raises it (${BEHIND_A_PROXY})`;
      return this.#refuse('listing_concurrency', message, 1);
    }
    return { admitted: true, release };
  }

  #refuse(limit: ListingLimitName, message: string, retryAfterSeconds: number): ListingAdmit {
    this.events.refused?.(limit);
    return { admitted: false, limit, message, retryAfterSeconds };
  }
}
