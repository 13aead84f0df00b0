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
// login is revoked already, and the logout sent again revokes what it minted. LoginLedger.revoke
// waits for that lock blocking the thread; LoginLedger.revokeAsync waits on timers. Either way the
// revocation is in the ledger before the tokens are looked for, as the mint's second look at the
// ledger needs (api-tokens.ts).
//
// The link goes the other way too: a mint with a login asks the ledger, as it stands on disk,
// whether the login was revoked meanwhile (api-tokens.ts), as a logout in another process sharing
// the data dir may have looked for what the login minted before the mint wrote its token.
import { join } from 'node:path';
import { LockFileBusyError } from '../../file-io/lock-file';
import { unavailable } from '../errors/oci-error';
import { type ApiTokenInfo, ApiTokens } from './api-tokens';
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
  const revoked = (address: string, list: ApiTokenInfo[]) => {
    if (list.length > 0) log(`api tokens: ${list.length} token(s) of ${address} revoked with the login that minted them (${list.map((t) => t.id).join(', ')})`);
  };
  // The logout then fails, and sent again revokes them: never a logout answered as done while
  // what the login minted still works.
  const failed = (address: string, error: unknown): never => {
    log(`api tokens: the tokens a revoked login of ${address} minted could not be revoked (${(error as Error).message})`);
    if (error instanceof LockFileBusyError) throw unavailable(`the login is revoked, but the API tokens it minted could not be revoked yet: ${error.message}; send the logout again`, error);
    throw error;
  };
  logins.onRevoked(
    (address, nonce) => {
      try {
        revoked(address, tokens.revokeMintedWithLogin(address, nonce));
      } catch (error) {
        failed(address, error);
      }
    },
    // LoginLedger.revokeAsync: the token file's lock waited for on timers, the gateway serving
    // other requests meanwhile.
    async (address, nonce) => {
      try {
        revoked(address, await tokens.revokeMintedWithLoginAsync(address, nonce));
      } catch (error) {
        failed(address, error);
      }
    },
  );
}
