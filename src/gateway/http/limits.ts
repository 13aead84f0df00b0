// Rate limits on /token and on blob uploads, per client IP (as Express sees it, through the
// trusted proxies) and per account, and a bound on the uploads one account sends at once. A
// refused request gets 429 TOOMANYREQUESTS with Retry-After. An account's /token bucket is
// charged only for tokens actually issued to it, so failed logins naming someone else's
// address cannot lock that account out (they count against the sender's IP). The artifact
// doors' uploads (POST /firmware, POST /api/packages/publish) count as uploads too; their refusal
// is left in res.locals.refused for the door's router to answer in its own style.
import type { Request, RequestHandler } from 'express';
import { ConcurrencyLimiter, type RateLimit, RateLimiter } from '../../limits/rate-limiter';
import type { GatewayMetrics } from '../../observability/gateway-metrics';
import { verifyAccessToken } from '../auth/access-token';
import type { ResolvedAuth } from '../auth/auth-options';
import { OciError } from '../errors/oci-error';
import { FIRMWARE_ROUTES } from '../doors/firmware/paths';
import { PACKAGE_ROUTES } from '../doors/packages/paths';
import { ROUTES } from './paths';

export interface GatewayLimits {
  readonly token?: { readonly perIp?: RateLimit; readonly perAccount?: RateLimit };
  readonly uploads?: { readonly perIp?: RateLimit; readonly perAccount?: RateLimit; /** Upload requests one account (or, anonymous, one IP) sends at once; 0: no bound. */ readonly concurrentPerAccount?: number };
}

export const DEFAULT_GATEWAY_LIMITS = {
  token: { perIp: { perMinute: 300, burst: 100 }, perAccount: { perMinute: 120, burst: 60 } },
  uploads: { perIp: { perMinute: 6000, burst: 1000 }, perAccount: { perMinute: 3000, burst: 500 }, concurrentPerAccount: 16 },
} as const satisfies GatewayLimits;

const UPLOAD_METHODS = new Set(['POST', 'PATCH', 'PUT']);
const DOOR_UPLOADS = [FIRMWARE_ROUTES.firmware, PACKAGE_ROUTES.publish];

const isDoorUpload = (req: Request) => req.method === 'POST' && DOOR_UPLOADS.some((route) => route.test(req.path));

function tooMany(what: string, limit: RateLimit, retryAfterSeconds: number): OciError {
  return new OciError('TOOMANYREQUESTS', `too many ${what}: at most ${limit.perMinute} a minute (bursts of ${limit.burst ?? limit.perMinute}); retry in ${retryAfterSeconds} s`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

function basicUsername(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : undefined;
}

export function limitRequests(options: { auth: ResolvedAuth; limits?: GatewayLimits; metrics?: GatewayMetrics }): RequestHandler {
  const token = { ...DEFAULT_GATEWAY_LIMITS.token, ...options.limits?.token };
  const uploads = { ...DEFAULT_GATEWAY_LIMITS.uploads, ...options.limits?.uploads };
  const tokenPerIp = new RateLimiter(token.perIp);
  const tokenPerAccount = new RateLimiter(token.perAccount);
  const uploadsPerIp = new RateLimiter(uploads.perIp);
  const uploadsPerAccount = new RateLimiter(uploads.perAccount);
  const concurrent = new ConcurrencyLimiter(uploads.concurrentPerAccount);
  const refuse = (limit: string, error: OciError) => {
    options.metrics?.rateLimited.inc({ limit });
    return error;
  };
  const accountOf = (req: Request): string | undefined => {
    const header = req.headers.authorization;
    if (!options.auth.enabled || !header || !/^bearer /i.test(header)) return undefined;
    try {
      return verifyAccessToken({ secret: options.auth.secret, service: options.auth.service }, header.slice(7).trim()).subject;
    } catch {
      return undefined;
    }
  };

  return (req, res, next) => {
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    if (ROUTES.token.test(req.path)) {
      const byIp = tokenPerIp.take(ip);
      if (!byIp.allowed) return next(refuse('token_ip', tooMany(`token requests from ${ip}`, token.perIp, byIp.retryAfterSeconds)));
      const account = basicUsername(req);
      if (account !== undefined) {
        const byAccount = tokenPerAccount.peek(account);
        if (!byAccount.allowed) return next(refuse('token_account', tooMany(`tokens issued to ${account}`, token.perAccount, byAccount.retryAfterSeconds)));
        res.once('finish', () => {
          if (res.statusCode === 200) tokenPerAccount.take(account);
        });
      }
      return next();
    }
    const door = isDoorUpload(req);
    if (door || (UPLOAD_METHODS.has(req.method) && ROUTES.upload.test(req.path))) {
      // A door answers in its own style (plain text, its JSON): it finds the refusal in res.locals.
      const refused = (error: OciError) => {
        if (!door) return next(error);
        res.locals.refused = error;
        return next();
      };
      const byIp = uploadsPerIp.take(ip);
      if (!byIp.allowed) return refused(refuse('upload_ip', tooMany(`upload requests from ${ip}`, uploads.perIp, byIp.retryAfterSeconds)));
      const account = accountOf(req);
      if (account !== undefined) {
        const byAccount = uploadsPerAccount.take(account);
        if (!byAccount.allowed) return refused(refuse('upload_account', tooMany(`upload requests by ${account}`, uploads.perAccount, byAccount.retryAfterSeconds)));
      }
      const who = account ?? `ip:${ip}`;
      const release = concurrent.acquire(who);
      if (!release) {
        return refused(
          refuse(
            'upload_concurrency',
            new OciError('TOOMANYREQUESTS', `${account ?? ip} already sends ${uploads.concurrentPerAccount} uploads at once, the most allowed: retry once one of them ends (fewer parallel uploads, e.g. docker's --max-concurrent-uploads)`, { headers: { 'Retry-After': '1' } }),
          ),
        );
      }
      options.metrics?.uploadRequestsInFlight.inc();
      res.once('close', () => {
        release();
        options.metrics?.uploadRequestsInFlight.dec();
      });
    }
    next();
  };
}
