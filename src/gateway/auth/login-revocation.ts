// A login's revocation (POST /token/revoke: a logout, or a docker password known to be read off
// a machine) revokes the API tokens that login minted, and what those minted: whoever held the
// login keeps nothing through tokens minted with it in advance, as with an admin token
// (api-tokens.ts). Tokens minted with another login of the same account stay.
import type { ApiTokens } from './api-tokens';
import type { LoginLedger } from './login-ledger';

const linked = new WeakSet<LoginLedger>();

/** Makes revoking a login in `logins` revoke what it minted in `tokens`; once per ledger. */
export function revokeTokensWithTheirLogin(logins: LoginLedger, tokens: ApiTokens, log: (line: string) => void): void {
  if (linked.has(logins)) return;
  linked.add(logins);
  logins.onRevoked((address, nonce) => {
    try {
      const revoked = tokens.revokeMintedWithLogin(address, nonce);
      if (revoked.length > 0) log(`api tokens: ${revoked.length} token(s) of ${address} revoked with the login that minted them (${revoked.map((t) => t.id).join(', ')})`);
    } catch (error) {
      // The logout then fails, and sent again revokes them: never a logout answered as done
      // while what the login minted still works.
      log(`api tokens: the tokens a revoked login of ${address} minted could not be revoked (${(error as Error).message})`);
      throw error;
    }
  });
}
