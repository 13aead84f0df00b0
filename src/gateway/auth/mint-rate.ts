// How fast one client may mint API tokens. Accounts cost nothing (any key signs a login), so the
// bound on tokens per account does not bound the token file, which every mint rewrites and every
// verification reads: the minting client's address is counted too. CI and device provisioning
// mint one token at a time, far below this.
import type { Request } from 'express';
import { requestClientKey } from '../../limits/client-key';
import { type RateLimit, RateLimiter } from '../../limits/rate-limiter';
import { rateMessage } from '../../limits/upload-admission';

export const DEFAULT_MINTS_PER_IP: RateLimit = { perMinute: 60, burst: 60 };

export class MintRate {
  readonly #perIp: RateLimiter;

  constructor(limit: RateLimit = DEFAULT_MINTS_PER_IP) {
    this.#perIp = new RateLimiter(limit);
  }

  /** Counts a mint by the request's client; the refusal's message and Retry-After when it is one too many. */
  take(req: Request): { message: string; retryAfterSeconds: number } | undefined {
    const ip = requestClientKey(req);
    const decision = this.#perIp.take(ip);
    if (decision.allowed) return undefined;
    return { message: rateMessage(`API tokens minted from ${ip}`, this.#perIp.limit, decision.retryAfterSeconds), retryAfterSeconds: decision.retryAfterSeconds };
  }
}
