// The API token routes, for an account that is logged in (a login token signed by its key, as
// `hcr token` sends it) or holds an admin token: POST /api/tokens mints one (its secret is shown
// this once), GET /api/tokens lists the account's tokens, DELETE /api/tokens/{id} revokes one.
// Errors are the wallet API's: `{"error":{"code","message","field"}}`.
//
// No credential mints a token that outlives it, unless the account signed for this very request:
// a token minted by a token expires no later than its minter, and one minted with a login no
// later than that login, unless the login is fresh (see `signedForThis`). A docker password (a
// 12-hour login kept in ~/.docker/config.json) read off a machine is then 12 hours of access,
// not a token that never expires.
//
// A token minted with a login records that login, and revoking the login revokes it
// (login-revocation.ts, which links the ledger and the tokens as the gateway opens them).
// One client mints at most so many tokens a minute (mint-rate.ts).
//
// Minting and revoking take the token file's lock (api-tokens.ts), waiting for it on timers so
// that the gateway serves other requests meanwhile; one not released in time (a replica stuck
// mid-write, a lock of another host's crashed gateway not stale yet) is a 503 with Retry-After
// naming the lock file: the change was not made, and sent again it will be.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { GatewayContext } from '../context';
import { ApiTokenError, parseScopes, scopeAllows } from './api-tokens';
import { CredentialError, FRESH_LOGIN_SECONDS, principalFrom } from './credentials';
import { LoginRateError } from './login-failures';
import { requestClientKey } from '../../limits/client-key';
import type { LoginClaims } from './login-token';
import { MintRate } from './mint-rate';
import { boundedBody } from '../http/bounded-body';
import { LockFileBusyError } from '../../file-io/lock-file';

export const API_TOKEN_PATHS = { tokens: '/api/tokens', token: '/api/tokens/:id' } as const;

export { FRESH_LOGIN_SECONDS };

/** The lock is held for milliseconds when all is well: a second is plenty before trying again. */
const TOKEN_LOCK_RETRY_SECONDS = 1;

class TokenRouteError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string, readonly retryAfterSeconds?: number) {
    super(message);
  }
}

interface Minter {
  readonly account: string;
  readonly createdBy: string;
  /** The minting login's nonce: revoking that login revokes the token. */
  readonly loginNonce?: string;
  /** The minting API token's expiry: the new token's latest. */
  readonly notAfter?: Date;
  /** The login, when one was sent. */
  readonly login?: LoginClaims;
  /** Whether this request is the login's first use (principalFrom). */
  readonly firstUse?: boolean;
}

async function accountOf(ctx: GatewayContext, req: Request): Promise<Minter> {
  let principal;
  try {
    principal = await principalFrom(req.headers.authorization, { auth: ctx.access.auth, tokens: ctx.apiTokens, logins: ctx.logins, failures: ctx.loginFailures, client: () => requestClientKey(req) });
  } catch (error) {
    if (error instanceof LoginRateError) throw new TokenRouteError(429, 'TOO_MANY_REQUESTS', error.message, undefined, error.retryAfterSeconds);
    if (error instanceof CredentialError) throw new TokenRouteError(401, 'UNAUTHORIZED', error.message);
    throw error;
  }
  if (!principal.account) throw new TokenRouteError(401, 'UNAUTHORIZED', 'managing API tokens needs a login: send Authorization: Basic <address>:<login token> (from `hcr login --print-token`), or an admin token as Bearer');
  if (principal.via === 'api-token' && !scopeAllows(principal.scopes, 'admin')) throw new TokenRouteError(403, 'FORBIDDEN', `the token has scope ${principal.scopes.join(', ')}: only a login or an admin token manages tokens`);
  // A token minted by a token lives no longer than its minter: else an admin token given out for a
  // day (or stolen) would mint itself a successor that never expires.
  const minter = principal.tokenId ? ctx.apiTokens.list(principal.account).find((t) => t.id === principal.tokenId) : undefined;
  return {
    account: principal.account,
    createdBy: principal.tokenId ? `token:${principal.tokenId}` : 'login',
    loginNonce: principal.login?.nonce,
    notAfter: minter?.expiresAt ? new Date(minter.expiresAt) : undefined,
    login: principal.login,
    firstUse: principal.firstUse,
  };
}

/**
 * Whether the login was signed for this mint: valid for ten minutes at most (a docker password
 * is valid for hours) and never used before, on this route or any other (principalFrom and /token
 * record every use of such a login). A login read off a disk, a log or a proxy is either
 * long-lived or already spent, so it mints nothing that outlives it.
 */
function signedForThis(minter: Minter): boolean {
  const login = minter.login!;
  return login.expiresAt.getTime() - login.issuedAt.getTime() <= FRESH_LOGIN_SECONDS * 1000 && minter.firstUse === true;
}

/** Refuses a token that would outlive the login minting it, unless the login was signed for this mint. */
function checkOutlivesLogin(minter: Minter, days: number | undefined): void {
  const login = minter.login!;
  const expiresAt = days === undefined ? undefined : Date.now() + days * 86_400_000;
  if (expiresAt !== undefined && expiresAt <= login.expiresAt.getTime()) return;
  if (signedForThis(minter)) return;
  const lifetime = Math.round((login.expiresAt.getTime() - login.issuedAt.getTime()) / 1000);
  const why = lifetime > FRESH_LOGIN_SECONDS
    ? `this login is valid for ${lifetime >= 3600 ? `${Math.round(lifetime / 360) / 10} h` : `${lifetime} s`} (until ${login.expiresAt.toISOString()}), as a docker password is, so a token minted with it may not outlive it`
    : 'this login token was used before, so it is not one signed for this request, and a token minted with it may not outlive it';
  const wanted = days === undefined ? 'a token that never expires' : `a token valid for ${days} days`;
  const daysLeft = Math.floor((login.expiresAt.getTime() - Date.now()) / 86_400_000);
  const shorter = daysLeft >= 1 ? `, or ask for expiresInDays of at most ${daysLeft}` : '';
  throw new TokenRouteError(403, 'FRESH_LOGIN_REQUIRED', `${why}, and ${wanted} was asked for: sign a login for this request, valid ${FRESH_LOGIN_SECONDS / 60} minutes at most and used once (\`hcr token create --suri <key URI>\` signs one each time; by hand, \`hcr login --ttl 10m --print-token\` sent once)${shorter}`);
}

const handle = (work: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
  work(req, res).catch(next);
};

export function apiTokenRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  const mints = new MintRate();
  router.post(API_TOKEN_PATHS.tokens, boundedBody(16 * 1024, 'application/json', express.json({ limit: '16kb' })), handle(async (req, res) => {
    const tooMany = mints.take(req);
    if (tooMany) throw new TokenRouteError(429, 'TOO_MANY_REQUESTS', tooMany.message, undefined, tooMany.retryAfterSeconds);
    const minter = await accountOf(ctx, req);
    const { account, createdBy, loginNonce, notAfter } = minter;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const scopes = parseScopes(body.scopes ?? ['read']);
    const days = body.expiresInDays;
    if (days !== undefined && days !== null && (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 3650)) {
      throw new TokenRouteError(400, 'INVALID_FIELD', 'expiresInDays must be a whole number of days from 1 to 3650 (leave it out for a token that does not expire)', 'expiresInDays');
    }
    if (typeof body.name !== 'string') throw new TokenRouteError(400, 'INVALID_FIELD', 'name is missing: say what the token is for, for example "ci" or "device-42"', 'name');
    if (minter.login) checkOutlivesLogin(minter, typeof days === 'number' ? days : undefined);
    const { token, info } = await ctx.apiTokens.createAsync(account, { name: body.name, scopes, ttlSeconds: typeof days === 'number' ? days * 86_400 : undefined, notAfter, createdBy, loginNonce });
    res.status(201).setHeader('Cache-Control', 'no-store').json({ ...info, token });
  }));
  router.get(API_TOKEN_PATHS.tokens, handle(async (req, res) => {
    const { account } = await accountOf(ctx, req);
    res.setHeader('Cache-Control', 'no-store').json({ account, tokens: ctx.apiTokens.list(account) });
  }));
  router.delete(API_TOKEN_PATHS.token, handle(async (req, res) => {
    const { account } = await accountOf(ctx, req);
    res.json(await ctx.apiTokens.revokeAsync(account, String(req.params.id)));
  }));
  router.use(API_TOKEN_PATHS.tokens, (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (error instanceof LockFileBusyError) error = new TokenRouteError(503, 'UNAVAILABLE', `the API tokens cannot be changed now: ${error.message}`, undefined, TOKEN_LOCK_RETRY_SECONDS);
    if (error instanceof TokenRouteError && error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
    if (error instanceof TokenRouteError) return void res.status(error.status).json({ error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } });
    if (error instanceof ApiTokenError) {
      // login-revoked: logged out while this mint was under way (api-tokens.ts), as principalFrom refuses one logged out before.
      if (error.reason === 'login-revoked') return void res.status(401).json({ error: { code: 'UNAUTHORIZED', message: error.message } });
      const status = error.reason === 'unknown' ? 404 : error.reason === 'not-yours' ? 403 : 400;
      return void res.status(status).json({ error: { code: status === 404 ? 'NOT_FOUND' : status === 403 ? 'FORBIDDEN' : 'INVALID_FIELD', message: error.message } });
    }
    const parse = error as { type?: string };
    if (parse?.type === 'entity.too.large') return void res.status(413).json({ error: { code: 'BODY_TOO_LARGE', message: 'the body is too large: a token request is a small JSON object (under 16 KiB), such as {"name":"ci","scopes":["publish"]}' } });
    if (parse?.type === 'entity.parse.failed') return void res.status(400).json({ error: { code: 'INVALID_BODY', message: 'the body is not valid JSON: send {"name":"ci","scopes":["publish"]}' } });
    ctx.log(`api tokens: ${(error as Error)?.stack ?? error}`);
    res.status(500).json({ error: { code: 'INTERNAL', message: 'the token could not be handled; the gateway log has the details' } });
  });
  return router;
}
