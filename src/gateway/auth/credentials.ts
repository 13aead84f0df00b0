// Who sent a request, from its Authorization header (or gRPC's `authorization` metadata): an API
// token (`Bearer hcrt_…`, the bare token, or HTTP basic with the token as the password) with its
// scopes, or a login token signed by the account (`Basic <address>:<login token>` as docker
// sends it, or `Bearer hcr1.…`), which acts with every scope of the account. No header: anonymous.
import { type ApiTokens, ApiTokenError, isApiToken, TOKEN_SCOPES, type TokenScope } from './api-tokens';
import type { ResolvedAuth } from './auth-options';
import type { ClientOf, LoginFailures } from './login-failures';
import type { LoginLedger } from './login-ledger';
import { type LoginClaims, verifyLoginToken } from './login-token';
import { decodeBasic } from './token-service';

export interface Principal {
  /** SS58; undefined when anonymous. */
  readonly account?: string;
  readonly scopes: readonly TokenScope[];
  readonly via: 'api-token' | 'login' | 'anonymous';
  /** The API token's id, when one was sent. */
  readonly tokenId?: string;
  /** The login token's claims, when one was sent (its nonce and validity window). */
  readonly login?: LoginClaims;
  /** Whether this request is the login's first use here (known only for fresh logins and on gateways taking each login once). */
  readonly firstUse?: boolean;
}

/**
 * The longest a login may be valid and still count as signed for one request that mints a token
 * outliving it (api-token-routes.ts): what `hcr token create` and `hcr artifact` sign.
 */
export const FRESH_LOGIN_SECONDS = 600;

/**
 * Records a use of a verified login where it matters: every use on a gateway taking each login
 * once ('replay' for a second), and every use of a fresh login, wherever it is sent. A fresh login
 * mints a lasting token only at its first use, so one sent to a door or to /token first (and read
 * there off a proxy's or a server's log) is spent for minting: it is good for what it was sent
 * for, until it expires, and no more. Longer logins are not recorded (docker sends its password
 * many times an hour), and mint nothing that outlives them anyway.
 */
export function takeLogin(logins: LoginLedger, auth: ResolvedAuth, login: LoginClaims): boolean | 'replay' | undefined {
  const fresh = login.expiresAt.getTime() - login.issuedAt.getTime() <= FRESH_LOGIN_SECONDS * 1000;
  if (auth.loginTokenReuse !== 'once' && !fresh) return undefined;
  const first = logins.use(login.address, login.nonce, login.expiresAt);
  return auth.loginTokenReuse === 'once' && !first ? 'replay' : first;
}

export class CredentialError extends Error {
  override readonly name = 'CredentialError';
}

export const ANONYMOUS: Principal = { scopes: [], via: 'anonymous' };

/**
 * `failures` and `client` (the sender's key, limits/client-key.ts): login tokens with bad
 * signatures are counted per client, and a client that sent too many is refused before its next
 * is checked (login-failures.ts, a LoginRateError).
 */
export async function principalFrom(authorization: string | undefined, deps: { auth: ResolvedAuth; tokens: ApiTokens; logins: LoginLedger; failures?: LoginFailures; client?: ClientOf }): Promise<Principal> {
  const header = authorization?.trim();
  if (!header) return ANONYMOUS;
  const { username, secret } = credentialOf(header);
  if (isApiToken(secret)) {
    try {
      const info = deps.tokens.verify(secret);
      return { account: info.account, scopes: info.scopes, via: 'api-token', tokenId: info.id };
    } catch (error) {
      if (error instanceof ApiTokenError) throw new CredentialError(error.message);
      throw error;
    }
  }
  if (secret.startsWith('hcr1.')) {
    let login;
    try {
      const options = loginOptions(deps.auth, username);
      login = deps.failures ? await deps.failures.verify(deps.client, secret, options) : await verifyLoginToken(secret, options);
    } catch (error) {
      if (error instanceof CredentialError) throw error;
      throw new CredentialError((error as Error).message);
    }
    if (deps.logins.isRevoked(login.address, login.nonce)) throw new CredentialError('this login token was revoked: create a new one with `hcr login`');
    // A gateway that takes each login token once (loginTokenReuse: once) takes it once here too:
    // else a token already spent at /token (a docker password read off a machine or a log) would
    // still mint API tokens that outlive it, or publish.
    const firstUse = takeLogin(deps.logins, deps.auth, login);
    if (firstUse === 'replay') {
      throw new CredentialError('this login token was already used (a replay), and this gateway takes each login token once: create a new one with `hcr login --print-token` for every request');
    }
    return { account: login.address, scopes: TOKEN_SCOPES, via: 'login', login, firstUse };
  }
  throw new CredentialError('the credential is neither an API token (hcrt_…, from `hcr token create`) nor a login token (from `hcr login --print-token`): send Authorization: Bearer <token>');
}

/** The secret an Authorization header carries (`Bearer`, `Basic` or bare), and basic auth's username. */
function credentialOf(header: string): { username?: string; secret: string } {
  if (/^bearer /i.test(header)) return { secret: header.slice(7).trim() };
  if (!/^basic /i.test(header)) return { secret: header };
  const basic = decodeBasic(header);
  if (!basic) throw new CredentialError('the basic auth header is malformed: send username:password, the password being an API token or a login token');
  return { username: basic.username, secret: basic.password };
}

const loginOptions = (auth: ResolvedAuth, username: string | undefined, now?: Date) => ({ domain: auth.service, address: username || undefined, maxLifetimeSeconds: auth.maxLoginLifetimeSeconds, now });

/**
 * Throws CredentialError when the credential that principalFrom took at `authorizedAt` was revoked
 * since: the API token (or a token up the chain that minted it), or the login (logged out). A
 * publish at a door is authorized as its upload begins and recorded once the last byte is in,
 * which a client trickling bytes can put off for as long as it likes: without this, a token
 * revoked meanwhile would still publish. Everything else is judged as of `authorizedAt`, so a
 * credential that only expired meanwhile (the ten-minute login `hcr artifact` signs, sending a
 * large file) still publishes; and the login is not used again, which a gateway taking each login
 * once would refuse as a replay.
 */
export async function refuseRevokedSince(authorization: string | undefined, deps: { auth: ResolvedAuth; tokens: ApiTokens; logins: LoginLedger }, authorizedAt: Date): Promise<void> {
  const header = authorization?.trim();
  if (!header) return;
  const { username, secret } = credentialOf(header);
  try {
    if (isApiToken(secret)) {
      deps.tokens.verify(secret, authorizedAt);
      return;
    }
    const login = await verifyLoginToken(secret, loginOptions(deps.auth, username, authorizedAt));
    if (deps.logins.isRevoked(login.address, login.nonce)) throw new CredentialError('this login token was revoked (logged out): create a new one with `hcr login`');
  } catch (error) {
    if (error instanceof CredentialError) throw error;
    throw new CredentialError((error as Error).message);
  }
}
