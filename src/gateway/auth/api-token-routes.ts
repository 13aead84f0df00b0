// The API token routes, for an account that is logged in (a login token signed by its key, as
// `hcr token` sends it) or holds an admin token: POST /api/tokens mints one (its secret is shown
// this once), GET /api/tokens lists the account's tokens, DELETE /api/tokens/{id} revokes one.
// Errors are the wallet API's: `{"error":{"code","message","field"}}`.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { GatewayContext } from '../context';
import { ApiTokenError, parseScopes, scopeAllows } from './api-tokens';
import { CredentialError, principalFrom } from './credentials';

export const API_TOKEN_PATHS = { tokens: '/api/tokens', token: '/api/tokens/:id' } as const;

class TokenRouteError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) {
    super(message);
  }
}

async function accountOf(ctx: GatewayContext, req: Request): Promise<{ account: string; createdBy: string; notAfter?: Date }> {
  let principal;
  try {
    principal = await principalFrom(req.headers.authorization, { auth: ctx.access.auth, tokens: ctx.apiTokens, logins: ctx.logins });
  } catch (error) {
    if (error instanceof CredentialError) throw new TokenRouteError(401, 'UNAUTHORIZED', error.message);
    throw error;
  }
  if (!principal.account) throw new TokenRouteError(401, 'UNAUTHORIZED', 'managing API tokens needs a login: send Authorization: Basic <address>:<login token> (from `hcr login --print-token`), or an admin token as Bearer');
  if (principal.via === 'api-token' && !scopeAllows(principal.scopes, 'admin')) throw new TokenRouteError(403, 'FORBIDDEN', `the token has scope ${principal.scopes.join(', ')}: only a login or an admin token manages tokens`);
  // A token minted by a token lives no longer than its minter: else an admin token given out for a
  // day (or stolen) would mint itself a successor that never expires.
  const minter = principal.tokenId ? ctx.apiTokens.list(principal.account).find((t) => t.id === principal.tokenId) : undefined;
  return { account: principal.account, createdBy: principal.tokenId ? `token:${principal.tokenId}` : 'login', notAfter: minter?.expiresAt ? new Date(minter.expiresAt) : undefined };
}

const handle = (work: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
  work(req, res).catch(next);
};

export function apiTokenRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  router.post(API_TOKEN_PATHS.tokens, express.json({ limit: '16kb' }), handle(async (req, res) => {
    const { account, createdBy, notAfter } = await accountOf(ctx, req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const scopes = parseScopes(body.scopes ?? ['read']);
    const days = body.expiresInDays;
    if (days !== undefined && days !== null && (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 3650)) {
      throw new TokenRouteError(400, 'INVALID_FIELD', 'expiresInDays must be a whole number of days from 1 to 3650 (leave it out for a token that does not expire)', 'expiresInDays');
    }
    if (typeof body.name !== 'string') throw new TokenRouteError(400, 'INVALID_FIELD', 'name is missing: say what the token is for, for example "ci" or "device-42"', 'name');
    const { token, info } = ctx.apiTokens.create(account, { name: body.name, scopes, ttlSeconds: typeof days === 'number' ? days * 86_400 : undefined, notAfter, createdBy });
    res.status(201).setHeader('Cache-Control', 'no-store').json({ ...info, token });
  }));
  router.get(API_TOKEN_PATHS.tokens, handle(async (req, res) => {
    const { account } = await accountOf(ctx, req);
    res.setHeader('Cache-Control', 'no-store').json({ account, tokens: ctx.apiTokens.list(account) });
  }));
  router.delete(API_TOKEN_PATHS.token, handle(async (req, res) => {
    const { account } = await accountOf(ctx, req);
    res.json(ctx.apiTokens.revoke(account, String(req.params.id)));
  }));
  router.use(API_TOKEN_PATHS.tokens, (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (error instanceof TokenRouteError) return void res.status(error.status).json({ error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } });
    if (error instanceof ApiTokenError) {
      const status = error.reason === 'unknown' ? 404 : error.reason === 'not-yours' ? 403 : 400;
      return void res.status(status).json({ error: { code: status === 404 ? 'NOT_FOUND' : status === 403 ? 'FORBIDDEN' : 'INVALID_FIELD', message: error.message } });
    }
    const parse = error as { type?: string };
    if (parse?.type === 'entity.parse.failed') return void res.status(400).json({ error: { code: 'INVALID_BODY', message: 'the body is not valid JSON: send {"name":"ci","scopes":["publish"]}' } });
    ctx.log(`api tokens: ${(error as Error)?.stack ?? error}`);
    res.status(500).json({ error: { code: 'INTERNAL', message: 'the token could not be handled; the gateway log has the details' } });
  });
  return router;
}
