// The token endpoint of Docker's token flow. GET with HTTP basic auth (username: SS58 address,
// password: login token or API token) or anonymously; POST with a form (password or
// refresh_token grant). Answers a short-lived JWT for the scopes this account may have; with
// `offline_token=true` (what `docker login` asks) and a login token, also a refresh token.
//
// An API token (`hcrt_…`) as the password is what `docker login`, `podman login` and `skopeo
// --creds` send for CI and devices. Its username must be the token's account, as with a login
// token: the per-account /token limit counts by username, so a free username would let a token's
// holder charge another account's bucket, and the client's stored login names the account that
// pushes. Scope `read` gets pull only; `publish` and `admin` also push where the account may (the
// push policy decides). No refresh token is issued for one: docker then keeps the API token
// itself and sends it here for every access token, so a revoked or expired token stops working
// as soon as the access tokens already issued (minutes) expire.
import type { Request, Response } from 'express';
import { checkAddress } from '../../chain';
import { quotedString } from '../auth/access-guard';
import { issueAccessToken, issueRefreshToken, verifyRefreshToken, type AccessGrant, type ApiTokenClaim } from '../auth/access-token';
import { ApiTokenError, type ApiTokenInfo, isApiToken, scopeAllows } from '../auth/api-tokens';
import type { LoginLedger } from '../auth/login-ledger';
import { takeLogin } from '../auth/credentials';
import { verifyLoginToken, type LoginClaims } from '../auth/login-token';
import { decodeBasic } from '../auth/token-service';
import { formatScope, parseScopes, type RequestedScope } from '../auth/scopes';
import { OciError } from '../errors/oci-error';
import { parseName } from '../oci/reference';
import type { GatewayContext } from '../context';

/** The most distinct scopes one token request may ask for. */
const MAX_SCOPES = 100;

interface TokenRequest {
  readonly service?: string;
  readonly scopes: string[];
  readonly username?: string;
  readonly password?: string;
  readonly refreshToken?: string;
  readonly offline: boolean;
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

function list(value: unknown): string[] {
  return typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function basicAuth(req: Request): { username: string; password: string } | undefined {
  const header = req.headers.authorization;
  if (!header || !/^basic /i.test(header)) return undefined;
  const basic = decodeBasic(header);
  if (!basic) throw new OciError('UNAUTHORIZED', 'the basic auth header is malformed: send username:password');
  return basic;
}

function readTokenRequest(req: Request): TokenRequest {
  const basic = basicAuth(req);
  if (req.method === 'POST') {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const grant = single(form.grant_type);
    if (grant !== undefined && grant !== 'password' && grant !== 'refresh_token') throw new OciError('UNSUPPORTED', `grant_type ${JSON.stringify(grant)} is not supported: use password or refresh_token`, { status: 400 });
    return {
      service: single(form.service),
      scopes: list(form.scope),
      username: single(form.username) ?? basic?.username,
      password: single(form.password) ?? basic?.password,
      refreshToken: grant === 'refresh_token' ? single(form.refresh_token) : undefined,
      offline: single(form.access_type) === 'offline',
    };
  }
  return { service: single(req.query.service), scopes: list(req.query.scope), username: basic?.username, password: basic?.password, offline: single(req.query.offline_token) === 'true' };
}

interface Authenticated {
  readonly account?: string;
  /** The login token, when the password was one. */
  readonly login?: LoginClaims;
  /** The API token, when the password was one. */
  readonly apiToken?: ApiTokenClaim;
}

function refusal(ctx: GatewayContext, message: string): OciError {
  // Quoted as the Bearer challenge's parameters are: a service holding `"` would otherwise end the
  // realm early and add parameters of its own (and a control character would fail the response).
  return new OciError('UNAUTHORIZED', message, { headers: { 'WWW-Authenticate': `Basic realm=${quotedString(ctx.access.auth.service)}` } });
}

/** The SS58 address (prefix 42) a username names, or undefined when it names none. */
function addressOrUndefined(username: string | undefined): string | undefined {
  try {
    return checkAddress(username);
  } catch {
    return undefined;
  }
}

/** The API token's account and scopes; refused when it is unknown, revoked or expired, or the username is another account. */
function authenticateApiToken(ctx: GatewayContext, username: string | undefined, password: string): Authenticated {
  let token: ApiTokenInfo;
  try {
    token = ctx.apiTokens.verify(password);
  } catch (error) {
    // The client keeps the token from its login: the new one must be logged in with too.
    const stale = error instanceof ApiTokenError && (error.reason === 'revoked' || error.reason === 'expired');
    throw refusal(ctx, stale ? `${error.message}, then log in again with it` : (error as Error).message);
  }
  if (addressOrUndefined(username) !== token.account) {
    throw refusal(ctx, `the API token "${token.name}" is ${token.account}'s, but the username is ${JSON.stringify(username ?? '')}: log in with the token's account as the username (docker login -u ${token.account})`);
  }
  return { account: token.account, apiToken: { name: token.name, scopes: token.scopes } };
}

async function authenticate(ctx: GatewayContext, request: TokenRequest): Promise<Authenticated> {
  const auth = ctx.access.auth;
  const ledger: LoginLedger = ctx.logins;
  const refused = (message: string) => refusal(ctx, message);
  if (request.refreshToken !== undefined) {
    let refresh;
    try {
      refresh = verifyRefreshToken({ secret: auth.secret, service: auth.service }, request.refreshToken);
    } catch (error) {
      throw refused((error as Error).message);
    }
    if (ledger.isRevoked(refresh.subject, refresh.nonce)) throw refused('this login was revoked: log in again with a new token from `hcr login`');
    // Docker sends none with a refresh token; one sent is the account the tokens issued count against.
    if (request.username && addressOrUndefined(request.username) !== refresh.subject) {
      throw refused(`the refresh token is ${refresh.subject}'s, but the username is ${JSON.stringify(request.username)}: send the refresh token without a username, or with its own account's`);
    }
    return { account: refresh.subject };
  }
  if (request.password === undefined) return {};
  if (isApiToken(request.password)) return authenticateApiToken(ctx, request.username, request.password);
  let login: LoginClaims;
  try {
    login = await verifyLoginToken(request.password, { domain: auth.service, address: request.username, maxLifetimeSeconds: auth.maxLoginLifetimeSeconds });
  } catch (error) {
    throw refused((error as Error).message);
  }
  if (ledger.isRevoked(login.address, login.nonce)) throw refused('this login token was revoked: create a new one with `hcr login`');
  // A fresh login's use here is recorded too: one read off this request (a proxy's log) mints no lasting API token.
  if (takeLogin(ledger, auth, login) === 'replay') throw refused('this login token was already used (a replay): create a new one with `hcr login`');
  return { account: login.address, login };
}

async function grantScope(ctx: GatewayContext, scope: RequestedScope, account: string | undefined, mayPush: boolean): Promise<AccessGrant | undefined> {
  const auth = ctx.access.auth;
  const mayPull = account !== undefined || auth.anonymousPull;
  if (scope.type === 'registry') return scope.name === 'catalog' && mayPull ? { type: 'registry', name: 'catalog', actions: ['*'] } : undefined;
  let repo: string;
  try {
    repo = parseName(scope.name).repo;
  } catch {
    return undefined;
  }
  const actions: string[] = [];
  if (scope.actions.includes('pull') && mayPull) actions.push('pull');
  if (scope.actions.includes('push') && account !== undefined && mayPush) {
    const allowed = await ctx.policy.permit(repo, account).then(() => true, () => false);
    if (allowed) actions.push('push');
  }
  return actions.length > 0 ? { type: 'repository', name: scope.name, actions } : undefined;
}

export async function getToken(ctx: GatewayContext, req: Request, res: Response): Promise<void> {
  const auth = ctx.access.auth;
  const request = readTokenRequest(req);
  if (request.service !== undefined && request.service !== auth.service) {
    throw new OciError('DENIED', `this token service is ${JSON.stringify(auth.service)}, not ${JSON.stringify(request.service)}: ask the gateway you are pushing to or pulling from`);
  }
  const scopes = [...new Map(parseScopes(request.scopes).map((scope) => [formatScope(scope), scope])).values()];
  // Each scope may cost a lookup of who owns a name and lands in the token: clients ask for a
  // few (the repository, a mount's source), never for hundreds.
  if (scopes.length > MAX_SCOPES) {
    throw new OciError('UNSUPPORTED', `${scopes.length} scopes were asked for in one token, more than the ${MAX_SCOPES} a token may carry: ask for the repositories this request needs`, { status: 400 });
  }
  const { account, login, apiToken } = await authenticate(ctx, request);
  const mayPush = apiToken === undefined || scopeAllows(apiToken.scopes, 'publish');
  const access: AccessGrant[] = [];
  for (const scope of scopes) {
    const grant = await grantScope(ctx, scope, account, mayPush);
    if (grant) access.push(grant);
  }
  const keys = { secret: auth.secret, service: auth.service };
  const token = issueAccessToken(keys, { subject: account, access, apiToken }, auth.tokenTtlSeconds);
  const body: Record<string, unknown> = { token, access_token: token, expires_in: auth.tokenTtlSeconds, issued_at: new Date().toISOString() };
  if (login && request.offline) body.refresh_token = issueRefreshToken(keys, { subject: login.address, nonce: login.nonce }, login.expiresAt);
  res.setHeader('Cache-Control', 'no-store');
  res.json(body);
}

/** Logout: the login token sent as basic auth (or form password) is revoked until it expires. */
export async function revokeToken(ctx: GatewayContext, req: Request, res: Response): Promise<void> {
  const request = readTokenRequest(req);
  if (request.password === undefined) throw new OciError('UNAUTHORIZED', 'send the login token to revoke as the basic auth password');
  if (isApiToken(request.password)) throw new OciError('UNSUPPORTED', 'this revokes login tokens; revoke an API token with `hcr token revoke <id>` (DELETE /api/tokens/<id>)', { status: 400 });
  let login: LoginClaims;
  try {
    login = await verifyLoginToken(request.password, { domain: ctx.access.auth.service, address: request.username });
  } catch (error) {
    throw new OciError('UNAUTHORIZED', (error as Error).message);
  }
  // Recorded in the ledger at once; the tokens the login minted are revoked under the token
  // file's lock, waited for without holding up the gateway's other requests.
  await ctx.logins.revokeAsync(login.address, login.nonce, login.expiresAt);
  res.status(204).end();
}
