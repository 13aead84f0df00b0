// Rate limits on the wallet API, per client IP and per account (the address a request names:
// `signer`, `address` or the path's address). An account is charged only for requests that
// succeed, so requests that fail on someone else's address count against the sender's IP alone.
import type { Request, RequestHandler } from 'express';
import { requestClientKey } from '../limits/client-key';
import { type RateLimit, RateLimiter } from '../limits/rate-limiter';
import { ApiError } from './errors';

export interface WalletApiRateLimits {
  readonly perIp?: RateLimit;
  readonly perAccount?: RateLimit;
}

export const DEFAULT_WALLET_API_LIMITS = { perIp: { perMinute: 300, burst: 100 }, perAccount: { perMinute: 120, burst: 60 } } as const satisfies WalletApiRateLimits;

function accountOf(req: Request): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const named = req.params?.address ?? body?.signer ?? body?.address;
  return typeof named === 'string' && named.length <= 64 ? named : undefined;
}

function tooMany(what: string, limit: RateLimit, retryAfterSeconds: number): ApiError {
  return new ApiError(429, 'RATE_LIMITED', `too many ${what}: at most ${limit.perMinute} a minute (bursts of ${limit.burst ?? limit.perMinute}); retry in ${retryAfterSeconds} s`);
}

/** The per-IP half runs before routing; the per-account half needs the parsed body and route params. */
export function walletApiRateLimits(limits: WalletApiRateLimits = {}): { byIp: RequestHandler; byAccount: RequestHandler } {
  const perIp = limits.perIp ?? DEFAULT_WALLET_API_LIMITS.perIp;
  const perAccount = limits.perAccount ?? DEFAULT_WALLET_API_LIMITS.perAccount;
  const ips = new RateLimiter(perIp);
  const accounts = new RateLimiter(perAccount);
  return {
    byIp: (req, res, next) => {
      const ip = requestClientKey(req);
      const decision = ips.take(ip);
      if (decision.allowed) return next();
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      next(tooMany(`wallet API requests from ${ip}`, perIp, decision.retryAfterSeconds));
    },
    byAccount: (req, res, next) => {
      const account = accountOf(req);
      if (account === undefined) return next();
      const decision = accounts.peek(account);
      if (!decision.allowed) {
        res.setHeader('Retry-After', String(decision.retryAfterSeconds));
        return next(tooMany(`wallet API requests for ${account}`, perAccount, decision.retryAfterSeconds));
      }
      res.once('finish', () => {
        if (res.statusCode < 400) accounts.take(account);
      });
      next();
    },
  };
}
