// The page's "Docker login": the gateway's sign-in message for an account, and the login token
// made from the wallet's signature of it. Both come from the gateway's token module, so the
// token is the one the gateway's /token accepts as the `docker login` password.
import { checkAddress } from '../chain';
import { DEFAULT_LOGIN_TTL_SECONDS, loginMessage, LoginTokenError, loginTokenFromSignature, newLoginClaims, verifyLoginToken } from '../gateway/auth/login-token';
import { ApiError, invalidField } from './errors';

export interface LoginChallenge {
  readonly domain: string;
  readonly address: string;
  /** The text to sign with the wallet's signRaw (type "bytes"). */
  readonly message: string;
  readonly expiresAt: string;
}

export interface DockerLogin {
  readonly domain: string;
  readonly username: string;
  readonly token: string;
  readonly expiresAt: string;
  /** A shell command that logs docker in without putting the token in the process list. */
  readonly command: string;
}

const MAX_TTL_SECONDS = 30 * 24 * 60 * 60;

export function loginChallenge(domain: string, address: string, ttlSeconds = DEFAULT_LOGIN_TTL_SECONDS): LoginChallenge {
  if (ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) throw invalidField('ttlSeconds', `ttlSeconds ${ttlSeconds} is out of range: give 1 to ${MAX_TTL_SECONDS} seconds (30 days)`);
  const claims = newLoginClaims(checkAddress(address, 'address'), domain, { ttlSeconds });
  return { domain, address: claims.address, message: loginMessage(claims), expiresAt: claims.expiresAt.toISOString() };
}

/** Checks the signed message (signature, domain, expiry) before handing out the token. */
export async function dockerLoginFromSignature(domain: string, message: string, signature: string): Promise<DockerLogin> {
  if (!/^0x(?:[0-9a-fA-F]{2})+$/.test(signature)) throw invalidField('signature', 'signature is not 0x-prefixed hex: send what the wallet\'s signRaw returned');
  const token = loginTokenFromSignature(message, signature);
  let address: string;
  let expiresAt: Date;
  try {
    ({ address, expiresAt } = await verifyLoginToken(token, { domain }));
  } catch (error) {
    if (!(error instanceof LoginTokenError)) throw error;
    const field = error.problem === 'bad-signature' ? 'signature' : 'message';
    const fix = error.problem === 'bad-signature' ? 'sign the message from POST /api/login/message with the account it names, unchanged' : 'get a fresh message from POST /api/login/message and sign it';
    // The problem without the gateway's own fix (which names `hcr login`); times hold colons.
    const problem = error.message.includes(': ') ? error.message.slice(0, error.message.indexOf(': ')) : error.message;
    throw new ApiError(400, 'INVALID_FIELD', `${problem}: ${fix}`, field);
  }
  const command = `printf '%s' '${token}' | docker login ${domain} --username ${address} --password-stdin`;
  return { domain, username: address, token, expiresAt: expiresAt.toISOString(), command };
}
