// Checks each registry request against its bearer token: pulls pass anonymously when allowed,
// everything else needs a token granting the action. A missing or stale token gets a 401 with
// the WWW-Authenticate challenge clients follow to /token (at the configured public URL, never
// one made from the request's Host header); a logged-in account without push rights gets a 403
// that says why (not a member, no proxy grant, read-only gateway). API tokens (`Bearer hcrt_…`)
// are taken as they are, and so are access tokens /token issued for one (docker login with the
// API token as password): any scope pulls, publish and admin push where the policy lets the
// token's account push.
import type { Request } from 'express';
import { OciError } from '../errors/oci-error';
import type { PushPolicy } from '../push/push-policy';
import { type AccessClaims, AccessTokenError, verifyAccessToken } from './access-token';
import { type ApiTokenInfo, type ApiTokens, scopeAllows, type TokenScope } from './api-tokens';
import type { ResolvedAuth } from './auth-options';
import { formatScope, grants, type RequestedScope } from './scopes';

export interface AccessRequest {
  readonly type: 'repository' | 'registry';
  readonly name: string;
  readonly action: 'pull' | 'push' | '*';
}

export class AccessGuard {
  readonly #auth: ResolvedAuth;
  readonly #policy: PushPolicy;
  readonly #tokens?: ApiTokens;

  constructor(auth: ResolvedAuth, policy: PushPolicy, tokens?: ApiTokens) {
    this.#auth = auth;
    this.#policy = policy;
    this.#tokens = tokens;
  }

  get auth(): ResolvedAuth {
    return this.#auth;
  }

  /** The account making the request (undefined when anonymous or auth is off), or throws 401/403. */
  async require(req: Request, wanted: AccessRequest): Promise<string | undefined> {
    if (!this.#auth.enabled) return undefined;
    const scope: RequestedScope = { type: wanted.type, name: wanted.name, actions: wanted.action === 'push' ? ['pull', 'push'] : [wanted.action] };
    const apiToken = this.#apiToken(req, scope);
    if (apiToken) {
      if (wanted.action !== 'push') return apiToken.account;
      if (!scopeAllows(apiToken.scopes, 'publish')) throw pushNeedsPublishScope(apiToken);
      await this.#policy.permit(wanted.name.split('/')[0], apiToken.account, { fresh: true });
      return apiToken.account;
    }
    const claims = this.#claims(req, scope);
    if (!claims) {
      if (wanted.action === 'pull' && this.#auth.anonymousPull) return undefined;
      throw this.#unauthorized(scope, this.#loginNeeded(wanted));
    }
    if (grants(claims.access, wanted.type, wanted.name, wanted.action)) return claims.subject;
    if (wanted.action === 'pull' && this.#auth.anonymousPull) return claims.subject;
    // An anonymous token: what docker and podman fetch before a push when they hold no login.
    // They show only the challenge's error_description (else "requested access to the resource
    // is denied"), so that is where the way to log in goes.
    if (!claims.subject) throw this.#unauthorized(scope, this.#loginNeeded(wanted), 'insufficient_scope');
    if (wanted.action === 'push' && claims.apiToken && !scopeAllows(claims.apiToken.scopes, 'publish')) throw pushNeedsPublishScope(claims.apiToken);
    if (wanted.action === 'push' && wanted.type === 'repository') {
      // Say why push was not granted; if it is allowed now, the client asks /token again.
      await this.#policy.permit(wanted.name.split('/')[0], claims.subject, { fresh: true });
    }
    if (wanted.action !== 'push') throw new OciError('DENIED', `${claims.subject} may not ${wanted.action} ${wanted.name}`);
    throw this.#unauthorized(scope, `the token does not grant ${wanted.action} on ${wanted.name}`, 'insufficient_scope');
  }

  /** GET /v2/: 200 for a valid token, else the challenge that starts the login flow. */
  requireToken(req: Request): void {
    if (!this.#auth.enabled) return;
    if (this.#apiToken(req, undefined)) return;
    const claims = this.#claims(req, undefined);
    if (!claims) throw this.#unauthorized(undefined, `log in: ${this.#howToLogIn('try again')}; or request an anonymous token from ${this.#auth.publicUrl}/token`);
    // /token hands an anonymous token to anyone: where anonymous pulls are off it opens nothing
    // (GET /mirror lists every mirrored tag to "a client with a token" — a logged-in one).
    if (claims.subject === undefined && !this.#auth.anonymousPull) {
      throw this.#unauthorized(undefined, `this gateway serves logged-in accounts only, and an anonymous token is no login: ${this.#howToLogIn('try again')}`, 'insufficient_scope');
    }
  }

  /** The Bearer challenge that sends clients to the token endpoint at the gateway's public URL. */
  challenge(scope: RequestedScope | undefined, error?: { readonly code: string; readonly description: string }): string {
    const params: [string, string][] = [
      ['realm', `${this.#auth.publicUrl}/token`],
      ['service', this.#auth.service],
    ];
    if (scope) params.push(['scope', formatScope(scope)]);
    // RFC 6750 leaves `"` and `\` out of error_description altogether.
    if (error) params.push(['error', error.code], ['error_description', error.description.replace(/"/g, "'").replace(/\\/g, '/')]);
    return `Bearer ${params.map(([name, value]) => `${name}=${quotedString(value)}`).join(',')}`;
  }

  #loginNeeded(wanted: AccessRequest): string {
    if (wanted.action === 'push') return `pushing to ${wanted.name} needs a login: ${this.#howToLogIn('push again')}`;
    const what = wanted.type === 'registry' ? `the ${wanted.name}` : `${wanted.action} access to ${wanted.name}`;
    return `${what} needs a login: ${this.#howToLogIn('try again')}`;
  }

  #howToLogIn(then: string): string {
    return `run \`hcr login ${this.#auth.service} --suri <key URI> --write\` (or leave out --write and run the docker login command it prints), then ${then}`;
  }

  /** The API token the request carries as its bearer token, if it carries one; a bad one is a 401. */
  #apiToken(req: Request, scope: RequestedScope | undefined): ApiTokenInfo | undefined {
    const header = req.headers.authorization;
    if (!this.#tokens || !header || !/^bearer hcrt_/i.test(header)) return undefined;
    try {
      return this.#tokens.verify(header.slice(7).trim());
    } catch (error) {
      throw this.#unauthorized(scope, (error as Error).message, 'invalid_token');
    }
  }

  #claims(req: Request, scope: RequestedScope | undefined): AccessClaims | undefined {
    const header = req.headers.authorization;
    if (!header || !/^bearer /i.test(header)) return undefined;
    try {
      return verifyAccessToken({ secret: this.#auth.secret, service: this.#auth.service }, header.slice(7).trim());
    } catch (error) {
      throw this.#unauthorized(scope, (error as AccessTokenError).message, 'invalid_token');
    }
  }

  #unauthorized(scope: RequestedScope | undefined, message: string, error?: string): OciError {
    return new OciError('UNAUTHORIZED', message, {
      headers: { 'WWW-Authenticate': this.challenge(scope, error === undefined ? undefined : { code: error, description: message }) },
      detail: scope ? [{ Type: scope.type, Name: scope.name, Action: scope.actions.join(',') }] : undefined,
    });
  }
}

function pushNeedsPublishScope(token: { readonly name: string; readonly scopes: readonly TokenScope[] }): OciError {
  return new OciError('DENIED', `the API token "${token.name}" has scope ${token.scopes.join(', ')}, which does not push: mint one with --scope publish`);
}

/**
 * An RFC 7235 quoted-string: `\` and `"` escaped. Control characters are dropped, and so is
 * anything outside printable ASCII, which header values do not carry reliably.
 */
export function quotedString(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '\\$&')}"`;
}
