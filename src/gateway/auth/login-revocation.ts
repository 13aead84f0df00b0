// A login's revocation (POST /token/revoke: a logout, or a docker password known to be read off
// a machine) revokes the API tokens that login minted, and what those minted: whoever held the
// login keeps nothing through tokens minted with it in advance, as with an admin token
// (api-tokens.ts). Tokens minted with another login of the same account stay.
//
// The ledger and the tokens are opened together, here, and linked as they are opened: whatever
// then mints tokens with a login or revokes one (the token routes, /token/revoke, anything added
// later) works on a linked pair, whether or not the token routes are mounted.
//
// The token file's lock not taken in time (api-tokens.ts) fails the logout as a retryable 503: the
// login is revoked already, and the logout sent again revokes what it minted.
//
// The link goes the other way too: a mint with a login asks the ledger, as it stands on disk,
// whether the login was revoked meanwhile (api-tokens.ts), as a logout in another process sharing
// the data dir may have looked for what the login minted before the mint wrote its token.
import { join } from 'node:path';
import { LockFileBusyError } from '../../file-io/lock-file';
import { unavailable } from '../errors/oci-error';
import { ApiTokens } from './api-tokens';
import { LoginLedger } from './login-ledger';

/** The gateway's login ledger and API tokens in `dir` (`login-nonces.log`, `api-tokens.json`), revoking a login revoking what it minted. */
export function openLoginsAndTokens(dir: string, log: (line: string) => void): { logins: LoginLedger; apiTokens: ApiTokens } {
  const logins = new LoginLedger(join(dir, 'login-nonces.log'));
  const apiTokens = new ApiTokens(join(dir, 'api-tokens.json'), { log });
  revokeTokensWithTheirLogin(logins, apiTokens, log);
  apiTokens.checkLoginsWith((address, nonce) => logins.isRevokedNow(address, nonce));
  apiTokens.removeLeftovers();
  return { logins, apiTokens };
}

function revokeTokensWithTheirLogin(logins: LoginLedger, tokens: ApiTokens, log: (line: string) => void): void {
  logins.onRevoked((address, nonce) => {
    try {
      const revoked = tokens.revokeMintedWithLogin(address, nonce);
      if (revoked.length > 0) log(`api tokens: ${revoked.length} token(s) of ${address} revoked with the login that minted them (${revoked.map((t) => t.id).join(', ')})`);
    } catch (error) {
      // The logout then fails, and sent again revokes them: never a logout answered as done
      // while what the login minted still works.
      log(`api tokens: the tokens a revoked login of ${address} minted could not be revoked (${(error as Error).message})`);
      if (error instanceof LockFileBusyError) throw unavailable(`the login is revoked, but the API tokens it minted could not be revoked yet: ${error.message}; send the logout again`, error);
      throw error;
    }
  });
}
