// The docker sign-in message comes from the registry's API, and its signature is a password for
// whatever registry the message names. So before the wallet signs it the page checks that it is
// the sign-in message of the registry this page shows (the domain in its docker commands), for
// the account picked, for no longer than the page asked for, starting now: a message naming another
// registry would hand whoever asked for it a login there as you, and one issued in the future
// would be a password that starts working only then (days or months later, long after the person
// forgot they signed anything), still inside a 12-hour window. Its times must be in the form the
// gateway writes (toISOString), so the page and the gateway cannot read one text as two times.
import { sameAccount } from '../chain/validate';
import { nameText } from './untrusted-text';

/** What the page asks POST /api/login/message for (the API's default). */
export const LOGIN_TTL_SECONDS = 12 * 60 * 60;

/**
 * How far past this computer's clock a message may be issued: the API's clock and the browser's
 * differ a little. A message issued later is refused (it would not be a login now).
 */
export const LOGIN_CLOCK_ALLOWANCE_SECONDS = 10 * 60;

/** A time as the gateway writes it (Date.prototype.toISOString): parsed the same by every browser and by Node. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;

const MESSAGE = /^(\S+) wants you to sign in to its container registry with your account:\n(\S+)\n\nVersion: 1\nNonce: [0-9a-f]{32}\nIssued At: (\S+)\nExpiration Time: (\S+)$/;

export class LoginMessageMismatchError extends Error {
  constructor(problem: string) {
    super(`The registry's API asked your wallet to sign a sign-in message that is not this registry's: ${problem}. Nothing was signed. Reload the page and try again; if this happens again, do not sign anything on this site and tell its operator.`);
  }
}

/**
 * The message, when it signs `address` in to `registry` for at most LOGIN_TTL_SECONDS from about
 * now (`now`, this computer's clock in milliseconds); otherwise a LoginMessageMismatchError.
 */
export function checkLoginMessage(message: unknown, expected: { registry: string; address: string; now?: number }): string {
  const parts = typeof message === 'string' ? MESSAGE.exec(message) : null;
  if (!parts) throw new LoginMessageMismatchError('it is not a sign-in message of this registry\'s form');
  const [, domain, address, issued, expires] = parts;
  if (domain !== expected.registry) throw new LoginMessageMismatchError(`it signs you in to ${nameText(domain)}, not to ${expected.registry}`);
  if (!sameAccount(address, expected.address)) throw new LoginMessageMismatchError(`it signs in ${nameText(address)}, not the account you picked (${expected.address})`);
  if (!ISO_TIME.test(issued) || !ISO_TIME.test(expires)) throw new LoginMessageMismatchError(`its times ${nameText(issued)} and ${nameText(expires)} are not in the form the registry writes (2026-01-31T12:00:00.000Z)`);
  const lifetime = (Date.parse(expires) - Date.parse(issued)) / 1000;
  if (!(lifetime > 0 && lifetime <= LOGIN_TTL_SECONDS)) throw new LoginMessageMismatchError(`it is valid from ${nameText(issued)} to ${nameText(expires)}, not for ${LOGIN_TTL_SECONDS / 3600} hours`);
  const now = expected.now ?? Date.now();
  const ahead = (Date.parse(issued) - now) / 1000;
  if (!(ahead <= LOGIN_CLOCK_ALLOWANCE_SECONDS)) {
    throw new LoginMessageMismatchError(
      `it is issued at ${issued}, ${duration(ahead)} after this computer's clock (${new Date(now).toISOString()}), so it would become a docker password only then. ` +
        'If this computer\'s clock is behind, set it right first',
    );
  }
  return message as string;
}

const duration = (seconds: number): string => {
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours` : `${Math.round(hours / 24)} days`;
};
