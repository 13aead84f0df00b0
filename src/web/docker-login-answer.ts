// The docker login the page hands out is a command people paste into a terminal, so it is never
// the registry's API's text: an altered answer could append `; curl … | sh` to it, or hand out
// another account's token. The password is the signed sign-in message itself (the gateway's
// login token: `hcr1.<message>.<signature>`, both base64url), which the page has in hand, so the
// page builds the token and the command from what it checked and signed, and takes from the API
// only its word that the signature verifies, refusing an answer that names anything else.
import { hexToU8a, isHex, stringToU8a } from '@polkadot/util';
import { isRegistryAddress, sameAccount } from '../chain/validate';
import { nameText } from './untrusted-text';

export interface DockerLoginShown {
  readonly username: string;
  readonly token: string;
  readonly expiresAt: string;
  readonly command: string;
}

export class DockerLoginAnswerError extends Error {
  constructor(problem: string) {
    super(`The registry's API handed back a docker login that is not the one you signed: ${problem}. No login is shown. Reload the page and try again; if this happens again, tell the site's operator.`);
  }
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The gateway's login token for a sign-in message and its signature (login-token.ts's form). */
export function loginTokenOf(message: string, signature: string): string {
  return `hcr1.${base64url(stringToU8a(message))}.${base64url(hexToU8a(signature))}`;
}

/**
 * The login to show for `message`, signed by `address` with `signature`, at `registry`: built
 * here, once the API's answer agrees on the account, the registry and the token.
 */
export function dockerLoginOf(answer: unknown, signed: { registry: string; address: string; message: string; signature: string }): DockerLoginShown {
  if (!isRegistryAddress(signed.registry)) throw new DockerLoginAnswerError(`the registry's address ${nameText(signed.registry)} is not host[:port]`);
  if (!/^[1-9A-HJ-NP-Za-km-z]+$/.test(signed.address)) throw new DockerLoginAnswerError(`the account ${nameText(signed.address)} is not an SS58 address`);
  if (!isHex(signed.signature)) throw new DockerLoginAnswerError('the wallet\'s signature is not hex');
  const wire = (answer ?? {}) as Partial<Record<'domain' | 'username' | 'token', unknown>>;
  const token = loginTokenOf(signed.message, signed.signature);
  if (wire.domain !== signed.registry) throw new DockerLoginAnswerError(`it is for ${nameText(String(wire.domain))}, not for ${signed.registry}`);
  if (typeof wire.username !== 'string' || !sameAccount(wire.username, signed.address)) throw new DockerLoginAnswerError(`it signs in ${nameText(String(wire.username))}, not ${signed.address}`);
  if (wire.token !== token) throw new DockerLoginAnswerError('its password is not the sign-in message your wallet signed');
  const expires = /\nExpiration Time: (\S+)$/.exec(signed.message)?.[1] ?? '';
  return {
    username: signed.address,
    token,
    expiresAt: expires,
    command: `printf '%s' '${token}' | docker login ${signed.registry} --username ${signed.address} --password-stdin`,
  };
}
