// The docker sign-in message comes from the registry's API, and its signature is a password for
// whatever registry the message names. So before the wallet signs it the page checks that it is
// the sign-in message of the registry this page shows (the domain in its docker commands), for
// the account picked, for no longer than the page asked for: a message naming another registry
// would hand whoever asked for it a login there as you.
import { sameAccount } from '../chain/validate';
import { nameText } from './untrusted-text';

/** What the page asks POST /api/login/message for (the API's default). */
export const LOGIN_TTL_SECONDS = 12 * 60 * 60;

const MESSAGE = /^(\S+) wants you to sign in to its container registry with your account:\n(\S+)\n\nVersion: 1\nNonce: [0-9a-f]{32}\nIssued At: (\S+)\nExpiration Time: (\S+)$/;

export class LoginMessageMismatchError extends Error {
  constructor(problem: string) {
    super(`The registry's API asked your wallet to sign a sign-in message that is not this registry's: ${problem}. Nothing was signed. Reload the page and try again; if this happens again, do not sign anything on this site and tell its operator.`);
  }
}

/** The message, when it signs `address` in to `registry` for at most LOGIN_TTL_SECONDS; otherwise a LoginMessageMismatchError. */
export function checkLoginMessage(message: unknown, expected: { registry: string; address: string }): string {
  const parts = typeof message === 'string' ? MESSAGE.exec(message) : null;
  if (!parts) throw new LoginMessageMismatchError('it is not a sign-in message of this registry\'s form');
  const [, domain, address, issued, expires] = parts;
  if (domain !== expected.registry) throw new LoginMessageMismatchError(`it signs you in to ${nameText(domain)}, not to ${expected.registry}`);
  if (!sameAccount(address, expected.address)) throw new LoginMessageMismatchError(`it signs in ${nameText(address)}, not the account you picked (${expected.address})`);
  const lifetime = (Date.parse(expires) - Date.parse(issued)) / 1000;
  if (!(lifetime > 0 && lifetime <= LOGIN_TTL_SECONDS)) throw new LoginMessageMismatchError(`it is valid from ${nameText(issued)} to ${nameText(expires)}, not for ${LOGIN_TTL_SECONDS / 3600} hours`);
  return message as string;
}
