// Login tokens: a sign-in message naming the gateway's domain, the account, a nonce and an
// expiry, signed by that account (a keyring pair for `hcr login`, a wallet's signRaw for the
// web page). It is the password of `docker login`; /token exchanges it for short-lived JWTs.
import { randomBytes } from 'node:crypto';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { cryptoWaitReady, signatureVerify } from '@polkadot/util-crypto';
import { checkAddress } from '../../chain';

export interface LoginClaims {
  /** The gateway's domain (host[:port]) the token is for. */
  readonly domain: string;
  /** SS58, prefix 42. */
  readonly address: string;
  readonly nonce: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

export type LoginTokenProblem = 'malformed' | 'bad-signature' | 'wrong-domain' | 'expired' | 'not-yet-valid' | 'lifetime-too-long' | 'wrong-account';

export class LoginTokenError extends Error {
  override readonly name = 'LoginTokenError';

  constructor(readonly problem: LoginTokenProblem, message: string) {
    super(message);
  }
}

const PREFIX = 'hcr1';
const STATEMENT = 'wants you to sign in to its container registry with your account:';
export const DEFAULT_LOGIN_TTL_SECONDS = 12 * 60 * 60;
export const MAX_LOGIN_LIFETIME_SECONDS = 30 * 24 * 60 * 60;
const CLOCK_SKEW_MS = 60_000;

/** The text an account signs to log in to `domain`. */
export function loginMessage(claims: LoginClaims): string {
  return [
    `${claims.domain} ${STATEMENT}`,
    claims.address,
    '',
    'Version: 1',
    `Nonce: ${claims.nonce}`,
    `Issued At: ${claims.issuedAt.toISOString()}`,
    `Expiration Time: ${claims.expiresAt.toISOString()}`,
  ].join('\n');
}

/** Fresh claims for `address` at `domain`, valid for `ttlSeconds`: sign `loginMessage(claims)`. */
export function newLoginClaims(address: string, domain: string, options: { ttlSeconds?: number; now?: Date } = {}): LoginClaims {
  const now = options.now ?? new Date();
  const ttl = options.ttlSeconds ?? DEFAULT_LOGIN_TTL_SECONDS;
  return { domain, address: checkAddress(address), nonce: randomBytes(16).toString('hex'), issuedAt: new Date(Math.floor(now.getTime() / 1000) * 1000), expiresAt: new Date(Math.floor(now.getTime() / 1000 + ttl) * 1000) };
}

/** The token from a signed message (the web page signs with the wallet's signRaw, then calls this). */
export function loginTokenFromSignature(message: string, signature: string | Uint8Array): string {
  const sig = typeof signature === 'string' ? Buffer.from(signature.replace(/^0x/, ''), 'hex') : Buffer.from(signature);
  return `${PREFIX}.${Buffer.from(message, 'utf8').toString('base64url')}.${sig.toString('base64url')}`;
}

/** A login token for the gateway at `domain` (host[:port]), signed by `pair` (what `hcr login --suri` prints). */
export async function createLoginToken(pair: KeyringPair, domain: string, options: { ttlSeconds?: number; now?: Date } = {}): Promise<string> {
  await cryptoWaitReady();
  const message = loginMessage(newLoginClaims(pair.address, domain, options));
  // Signed wrapped in <Bytes>…</Bytes>, as wallet extensions' signRaw does, so both verify alike.
  return loginTokenFromSignature(message, pair.sign(u8aWrapBytes(message)));
}

function parseMessage(message: string): LoginClaims {
  const lines = message.split('\n');
  const malformed = () => new LoginTokenError('malformed', 'the login token does not hold a sign-in message: create a new one with `hcr login`');
  if (lines.length !== 7 || lines[2] !== '' || lines[3] !== 'Version: 1' || !lines[0].endsWith(` ${STATEMENT}`)) throw malformed();
  const field = (line: string, name: string) => (line.startsWith(`${name}: `) ? line.slice(name.length + 2) : undefined);
  const nonce = field(lines[4], 'Nonce');
  const issued = field(lines[5], 'Issued At');
  const expires = field(lines[6], 'Expiration Time');
  if (!nonce || !/^[0-9a-f]{16,64}$/.test(nonce) || !issued || !expires) throw malformed();
  const issuedAt = new Date(issued);
  const expiresAt = new Date(expires);
  if (Number.isNaN(issuedAt.getTime()) || Number.isNaN(expiresAt.getTime())) throw malformed();
  let address: string;
  try {
    address = checkAddress(lines[1]);
  } catch {
    throw malformed();
  }
  return { domain: lines[0].slice(0, -STATEMENT.length - 1), address, nonce, issuedAt, expiresAt };
}

export interface VerifyLoginOptions {
  /** The gateway's own domain: tokens for another gateway are refused. */
  readonly domain: string;
  /** The account the token must be for (the basic-auth username). */
  readonly address?: string;
  readonly now?: Date;
  readonly maxLifetimeSeconds?: number;
}

/** Checks a login token's form, signature, domain, account and validity window. */
export async function verifyLoginToken(token: string, options: VerifyLoginOptions): Promise<LoginClaims> {
  const parts = typeof token === 'string' ? token.trim().split('.') : [];
  if (parts.length !== 3 || parts[0] !== PREFIX) throw new LoginTokenError('malformed', 'the password is not an hcr login token: create one with `hcr login --suri <key URI> --print-token` and use it as the password');
  const message = Buffer.from(parts[1], 'base64url').toString('utf8');
  const signature = Buffer.from(parts[2], 'base64url');
  const claims = parseMessage(message);
  await cryptoWaitReady();
  const signedBy = (data: string | Uint8Array) => {
    try {
      return signatureVerify(data, signature, claims.address).isValid;
    } catch {
      return false;
    }
  };
  if (!signedBy(u8aWrapBytes(message)) && !signedBy(message)) {
    throw new LoginTokenError('bad-signature', `the login token's signature is not ${claims.address}'s: create a new token with that account's key (\`hcr login\`)`);
  }
  if (claims.domain !== options.domain) {
    throw new LoginTokenError('wrong-domain', `the login token is for ${claims.domain}, not this gateway (${options.domain}): log in to ${options.domain} with \`hcr login\``);
  }
  if (options.address !== undefined) {
    let wanted: string | undefined;
    try {
      wanted = checkAddress(options.address);
    } catch {
      wanted = undefined;
    }
    if (wanted !== claims.address) throw new LoginTokenError('wrong-account', `the login token is ${claims.address}'s, but the username is ${JSON.stringify(options.address)}: use the token's own address as the username`);
  }
  const now = (options.now ?? new Date()).getTime();
  if (claims.expiresAt.getTime() <= now) throw new LoginTokenError('expired', `the login token expired at ${claims.expiresAt.toISOString()}: create a new one with \`hcr login\``);
  if (claims.issuedAt.getTime() > now + CLOCK_SKEW_MS) throw new LoginTokenError('not-yet-valid', 'the login token is issued in the future: check the clock of the machine that made it');
  const maxLifetime = (options.maxLifetimeSeconds ?? MAX_LOGIN_LIFETIME_SECONDS) * 1000;
  if (claims.expiresAt.getTime() - claims.issuedAt.getTime() > maxLifetime) {
    throw new LoginTokenError('lifetime-too-long', `the login token is valid for longer than this gateway allows (${maxLifetime / 1000} s): create one with a shorter lifetime`);
  }
  return claims;
}

/** Hex of the token's signature, a stable id for revocation lists. */
export function loginTokenId(token: string): string {
  return u8aToHex(Buffer.from(token.split('.')[2] ?? '', 'base64url'));
}
