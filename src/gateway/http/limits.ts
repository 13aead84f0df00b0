// Rate limits on /token and /token/revoke (which share buckets), on blob uploads and on manifest
// pushes, per client IP (as Express sees it, through the trusted proxies) and per account, and a
// bound on the uploads one account sends at once. A refused request gets 429 TOOMANYREQUESTS with
// Retry-After. An account's /token bucket is charged only for tokens actually issued to it (or
// logins actually revoked for it), so failed logins naming someone else's address cannot lock
// that account out (they count against the sender's IP). The artifact
// doors' uploads (POST /firmware, POST /api/packages/publish) count as uploads too; their refusal
// is left in res.locals.refused for the door's router to answer in its own style; one sent with a
// login token counts against the login's account (its signature verified, the token not used).
// The upload limits are the gateway's UploadAdmission, which the gRPC plugin door shares.
import type { Request, RequestHandler } from 'express';
import { checkAddress } from '../../chain';
import { requestClientKey } from '../../limits/client-key';
import { type RateLimit, RateLimiter } from '../../limits/rate-limiter';
import { DEFAULT_UPLOAD_LIMITS, rateMessage, type UploadAdmission, type UploadLimits, type UploadRefusal } from '../../limits/upload-admission';
import type { GatewayMetrics } from '../../observability/gateway-metrics';
import { verifyAccessToken } from '../auth/access-token';
import { type ApiTokens, isApiToken } from '../auth/api-tokens';
import type { ResolvedAuth } from '../auth/auth-options';
import { DEFAULT_BAD_LOGINS_PER_CLIENT, type LoginFailures } from '../auth/login-failures';
import { verifyLoginToken } from '../auth/login-token';
import { decodeBasic } from '../auth/token-service';
import { OciError } from '../errors/oci-error';
import { FIRMWARE_ROUTES } from '../doors/firmware/paths';
import { PACKAGE_ROUTES } from '../doors/packages/paths';
import { ROUTES } from './paths';

export interface GatewayLimits {
  readonly token?: { readonly perIp?: RateLimit; readonly perAccount?: RateLimit };
  readonly uploads?: UploadLimits;
  /** Manifest pushes per account (an anonymous push: per IP); each is a chain transaction the gateway's key pays for. */
  readonly pushes?: { readonly perAccount?: RateLimit };
  /** Login tokens with bad signatures per client IP, wherever a login token is checked but /token (auth/login-failures.ts). */
  readonly badLogins?: { readonly perIp?: RateLimit };
}

export const DEFAULT_GATEWAY_LIMITS = {
  token: { perIp: { perMinute: 300, burst: 100 }, perAccount: { perMinute: 120, burst: 60 } },
  uploads: DEFAULT_UPLOAD_LIMITS,
  // A multi-platform push is a handful of manifests; a loop of pushes would drain the gateway's fees.
  pushes: { perAccount: { perMinute: 120, burst: 60 } },
  badLogins: { perIp: DEFAULT_BAD_LOGINS_PER_CLIENT },
} as const satisfies GatewayLimits;

const UPLOAD_METHODS = new Set(['POST', 'PATCH', 'PUT']);
const DOOR_UPLOADS = [FIRMWARE_ROUTES.firmware, PACKAGE_ROUTES.publish];

const isDoorUpload = (req: Request) => req.method === 'POST' && DOOR_UPLOADS.some((route) => route.test(req.path));

function tooMany(what: string, limit: RateLimit, retryAfterSeconds: number): OciError {
  return new OciError('TOOMANYREQUESTS', rateMessage(what, limit, retryAfterSeconds), { headers: { 'Retry-After': String(retryAfterSeconds) } });
}

const uploadRefused = (refusal: UploadRefusal) => new OciError('TOOMANYREQUESTS', refusal.message, { headers: { 'Retry-After': String(refusal.retryAfterSeconds) } });

/**
 * The account a /token request names, in one spelling: an address is accepted in any SS58 form or
 * as its public key, and counted apart each spelling would have its own allowance.
 */
function basicUsername(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header || !/^basic /i.test(header)) return undefined;
  const username = decodeBasic(header)?.username || undefined;
  if (username === undefined) return undefined;
  try {
    return checkAddress(username);
  } catch {
    return username;
  }
}

export function limitRequests(options: { auth: ResolvedAuth; limits?: GatewayLimits; uploads: UploadAdmission; apiTokens?: ApiTokens; metrics?: GatewayMetrics; loginFailures?: LoginFailures }): RequestHandler {
  const token = { ...DEFAULT_GATEWAY_LIMITS.token, ...options.limits?.token };
  const tokenPerIp = new RateLimiter(token.perIp);
  const tokenPerAccount = new RateLimiter(token.perAccount);
  const pushesPerAccount = new RateLimiter(options.limits?.pushes?.perAccount ?? DEFAULT_GATEWAY_LIMITS.pushes.perAccount);
  const refuse = (limit: string, error: OciError) => {
    options.metrics?.rateLimited.inc({ limit });
    return error;
  };
  // The account an upload counts against: a registry access token's subject, an API token's
  // account (as a bearer token or as docker login's password), or, at the artifact doors, a login
  // token's account (`Bearer hcr1.…` or `Basic <address>:hcr1.…`) once its signature, domain and
  // validity check out. The login is only verified, not used: a gateway that takes each login
  // token once (loginTokenReuse: once) spends it where the door authenticates, not here. Anything
  // else (and an invalid login) counts by IP.
  const credentialOf = (req: Request): { secret: string; username?: string } | undefined => {
    const header = req.headers.authorization?.trim();
    if (!options.auth.enabled || !header) return undefined;
    if (/^bearer /i.test(header)) return { secret: header.slice(7).trim() };
    if (!/^basic /i.test(header)) return undefined;
    const basic = decodeBasic(header);
    return basic ? { secret: basic.password, username: basic.username || undefined } : undefined;
  };
  const accountOf = (req: Request): string | undefined => {
    const secret = credentialOf(req)?.secret;
    if (!secret) return undefined;
    try {
      if (isApiToken(secret)) return options.apiTokens?.verify(secret).account;
      return verifyAccessToken({ secret: options.auth.secret, service: options.auth.service }, secret).subject;
    } catch {
      return undefined;
    }
  };
  const loginAccountOf = async (req: Request, ip: string): Promise<string | undefined> => {
    const credential = credentialOf(req);
    if (!credential?.secret.startsWith('hcr1.')) return undefined;
    try {
      const verifyOptions = { domain: options.auth.service, address: credential.username, maxLifetimeSeconds: options.auth.maxLoginLifetimeSeconds };
      // A client refused for its bad signatures counts by its address here; the door then answers its 429.
      const login = options.loginFailures ? await options.loginFailures.verify(ip, credential.secret, verifyOptions) : await verifyLoginToken(credential.secret, verifyOptions);
      return login.address;
    } catch {
      return undefined;
    }
  };

  return (req, res, next) => {
    // An IPv6 client's whole /64, not each of its addresses (client-key.ts).
    const ip = requestClientKey(req);
    // A logout (POST /token/revoke) shares /token's buckets: each one verifies a signature and
    // may write to the login ledger, and login tokens cost an attacker nothing to sign.
    if (ROUTES.token.test(req.path) || ROUTES.tokenRevoke.test(req.path)) {
      const byIp = tokenPerIp.take(ip);
      if (!byIp.allowed) return next(refuse('token_ip', tooMany(`token requests from ${ip}`, token.perIp, byIp.retryAfterSeconds)));
      const account = basicUsername(req);
      if (account !== undefined) {
        const byAccount = tokenPerAccount.peek(account);
        if (!byAccount.allowed) return next(refuse('token_account', tooMany(`${ROUTES.token.test(req.path) ? 'tokens issued to' : 'logins revoked for'} ${account}`, token.perAccount, byAccount.retryAfterSeconds)));
        res.once('finish', () => {
          // A token issued (200), or a login revoked (204).
          if (res.statusCode === 200 || res.statusCode === 204) tokenPerAccount.take(account);
        });
      }
      return next();
    }
    // Every manifest push is a transaction the gateway's key signs and pays for (the OCI API's
    // counterpart of the doors' publish limit). Without auth there are no accounts to count by.
    if (req.method === 'PUT' && options.auth.enabled && ROUTES.manifest.test(req.path)) {
      const account = accountOf(req);
      const byAccount = pushesPerAccount.take(account ?? `ip:${ip}`);
      if (!byAccount.allowed) {
        const who = account ? `by ${account}` : `from ${ip}`;
        return next(refuse('push_account', tooMany(`manifest pushes ${who} (each a chain transaction the gateway pays for)`, pushesPerAccount.limit, byAccount.retryAfterSeconds)));
      }
    }
    const door = isDoorUpload(req);
    if (door || (UPLOAD_METHODS.has(req.method) && ROUTES.upload.test(req.path))) {
      // A door answers in its own style (plain text, its JSON): it finds the refusal in res.locals.
      const refused = (error: OciError) => {
        if (!door) return next(error);
        res.locals.refused = error;
        return next();
      };
      const byIp = options.uploads.checkIp(ip);
      if (byIp) return refused(uploadRefused(byIp));
      const admit = (account: string | undefined) => {
        const admission = options.uploads.admit(ip, account);
        if (!admission.admitted) return refused(uploadRefused(admission));
        res.once('close', admission.release);
        next();
      };
      const account = accountOf(req);
      // Only the doors take login tokens (the OCI API takes the JWTs /token issues for them), so
      // only their uploads pay for a signature check; after the per-IP check, which bounds them.
      if (account !== undefined || !door || !credentialOf(req)?.secret.startsWith('hcr1.')) return admit(account);
      // The client may hang up while the signature is checked: its upload is then not admitted.
      let closed = false;
      const onClose = () => (closed = true);
      res.once('close', onClose);
      loginAccountOf(req, ip).then((login) => {
        res.off('close', onClose);
        if (closed) return;
        admit(login);
      }, next);
      return;
    }
    next();
  };
}
