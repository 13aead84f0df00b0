// Short-lived access tokens (JWT, HS256) in the shape Docker's token flow expects: `access`
// lists the repositories and actions granted. Refresh tokens (for `docker login`'s offline
// token) carry the login's nonce so revoking the login revokes them too. Access granted for an
// API token names it and its scopes, so that a refusal can say which token fell short.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { TokenScope } from './api-tokens';

export interface AccessGrant {
  readonly type: 'repository' | 'registry';
  readonly name: string;
  readonly actions: readonly string[];
}

export interface TokenKeys {
  readonly secret: Buffer;
  /** The gateway's service name: the tokens' issuer and audience. */
  readonly service: string;
}

export interface AccessClaims {
  /** SS58 address, or undefined for anonymous access. */
  readonly subject?: string;
  readonly access: readonly AccessGrant[];
  /** The API token the access was granted for, when the login was made with one. */
  readonly apiToken?: ApiTokenClaim;
}

export interface ApiTokenClaim {
  readonly name: string;
  readonly scopes: readonly TokenScope[];
}

export interface RefreshClaims {
  readonly subject: string;
  readonly nonce: string;
}

export class AccessTokenError extends Error {
  override readonly name = 'AccessTokenError';
}

const ANONYMOUS = 'anonymous';

export function issueAccessToken(keys: TokenKeys, claims: AccessClaims, ttlSeconds: number): string {
  const apiToken = claims.apiToken ? { api_token: { name: claims.apiToken.name, scopes: claims.apiToken.scopes } } : {};
  return jwt.sign({ typ: 'access', access: claims.access, ...apiToken }, keys.secret, {
    algorithm: 'HS256',
    issuer: keys.service,
    audience: keys.service,
    subject: claims.subject ?? ANONYMOUS,
    expiresIn: ttlSeconds,
    jwtid: randomUUID(),
  });
}

export function verifyAccessToken(keys: TokenKeys, token: string): AccessClaims {
  const payload = verify(keys, token, 'access');
  const access = Array.isArray(payload.access) ? (payload.access as AccessGrant[]) : [];
  // Signed by this gateway, so it has the shape issueAccessToken gave it.
  const apiToken = payload.api_token as ApiTokenClaim | undefined;
  return { subject: payload.sub === ANONYMOUS ? undefined : payload.sub, access, ...(apiToken ? { apiToken } : {}) };
}

export function issueRefreshToken(keys: TokenKeys, claims: RefreshClaims, expiresAt: Date): string {
  return jwt.sign({ typ: 'refresh', nonce: claims.nonce }, keys.secret, {
    algorithm: 'HS256',
    issuer: keys.service,
    audience: keys.service,
    subject: claims.subject,
    expiresIn: Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
    jwtid: randomUUID(),
  });
}

export function verifyRefreshToken(keys: TokenKeys, token: string): RefreshClaims {
  const payload = verify(keys, token, 'refresh');
  if (typeof payload.sub !== 'string' || typeof payload.nonce !== 'string') throw new AccessTokenError('the refresh token is incomplete: log in again');
  return { subject: payload.sub, nonce: payload.nonce };
}

function verify(keys: TokenKeys, token: string, typ: 'access' | 'refresh'): jwt.JwtPayload {
  let payload: string | jwt.JwtPayload;
  try {
    payload = jwt.verify(token, keys.secret, { algorithms: ['HS256'], issuer: keys.service, audience: keys.service });
  } catch (error) {
    const expired = (error as Error).name === 'TokenExpiredError';
    throw new AccessTokenError(expired ? `the ${typ} token expired: request a new one from /token (clients do this by themselves)` : `the ${typ} token is not valid here (${(error as Error).message}): request a new one from this gateway's /token`);
  }
  if (typeof payload === 'string' || payload.typ !== typ) throw new AccessTokenError(`the token is not a ${typ} token of this gateway`);
  return payload;
}
