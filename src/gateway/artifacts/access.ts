// What a request may do at the artifact front doors. Reads are anonymous where the gateway lets
// anyone pull; publishing needs an account (a token with the publish scope, or a login) unless
// auth is off, and then the push policy decides whether that account may write to the space.
import type { GatewayContext } from '../context';
import { scopeAllows } from '../auth/api-tokens';
import { ANONYMOUS, CredentialError, type Principal, principalFrom, refuseRevokedSince } from '../auth/credentials';
import { type ClientOf, LoginRateError } from '../auth/login-failures';
import { ArtifactError } from './errors';

/** `client`: the sender's key (limits/client-key.ts), which login tokens with bad signatures count against. */
export async function principalOf(ctx: GatewayContext, authorization: string | undefined, client: ClientOf): Promise<Principal> {
  try {
    return await principalFrom(authorization, { auth: ctx.access.auth, tokens: ctx.apiTokens, logins: ctx.logins, failures: ctx.loginFailures, client });
  } catch (error) {
    if (error instanceof LoginRateError) throw new ArtifactError('TOO_MANY_REQUESTS', error.message, { retryAfterSeconds: error.retryAfterSeconds });
    if (error instanceof CredentialError) throw new ArtifactError('UNAUTHORIZED', error.message);
    throw error;
  }
}

/** Checks read access; returns the principal (anonymous when the gateway allows anonymous pulls). */
export async function requireRead(ctx: GatewayContext, authorization: string | undefined, client: ClientOf): Promise<Principal> {
  const principal = await principalOf(ctx, authorization, client);
  const auth = ctx.access.auth;
  if (!auth.enabled || auth.anonymousPull || principal.account) return principal;
  throw new ArtifactError('UNAUTHORIZED', 'this gateway serves reads to logged-in accounts only: send Authorization: Bearer <token> with a token from `hcr token create --scope read`');
}

/** The account that publishes (undefined when auth is off and no token was sent), or 401/403. */
export async function requirePublish(ctx: GatewayContext, authorization: string | undefined, client: ClientOf): Promise<string | undefined> {
  const principal = authorization ? await principalOf(ctx, authorization, client) : ANONYMOUS;
  if (!ctx.access.auth.enabled && !principal.account) return undefined;
  if (!principal.account) {
    throw new ArtifactError('UNAUTHORIZED', 'publishing needs a token, since the chain needs an account to sign for every write: mint one with `hcr token create --scope publish --suri <your key>` and send it as Authorization: Bearer <token>');
  }
  if (!scopeAllows(principal.scopes, 'publish')) {
    throw new ArtifactError('FORBIDDEN', `the token has scope ${principal.scopes.join(', ')}, which does not publish: mint one with --scope publish`);
  }
  return principal.account;
}

/**
 * What a publish checks again just before it is recorded (publish-artifact.ts): that the credential
 * requirePublish took now was not revoked while the files arrived. Made as the credential is taken.
 */
export function stillAuthorizedCheck(ctx: GatewayContext, authorization: string | undefined): () => Promise<void> {
  const authorizedAt = new Date();
  return async () => {
    try {
      await refuseRevokedSince(authorization, { auth: ctx.access.auth, tokens: ctx.apiTokens, logins: ctx.logins }, authorizedAt);
    } catch (error) {
      if (!(error instanceof CredentialError)) throw error;
      throw new ArtifactError('UNAUTHORIZED', `nothing was published: the credential this upload began with was revoked while its files were being sent (${error.message})`);
    }
  };
}
