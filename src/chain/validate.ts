// Checks made before a call is built, so a bad argument fails here with a message saying what
// to type instead, not later as a fee-charging chain error. Names follow the OCI distribution
// grammar because every record must stay reachable as `<gateway>/<repo>/<image>:<tag>`.
import { u8aEq } from '@polkadot/util';
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';

export const SS58_PREFIX = 42;

/** Whether two addresses (any SS58 prefix, or hex) name one account; false when either is not an address. */
export function sameAccount(a: string, b: string): boolean {
  try {
    return u8aEq(decodeAddress(a), decodeAddress(b));
  } catch {
    return false;
  }
}

/** host[:port] (a name, IPv4 or [IPv6]) as docker names a registry: nothing a shell reads as more than one word. */
export const isRegistryAddress = (value: string): boolean => /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::\d{1,5})?$/.test(value);

export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';

  constructor(readonly field: string, message: string) {
    super(message);
  }
}

const PATH_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPO_NAME = new RegExp(`^${PATH_COMPONENT}$`);
const IMAGE_NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]+$/;
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
const CID = /^[A-Za-z0-9+/=_-]+$/;
const MAX_NAME_LENGTH = 255;

function requireText(field: string, label: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidInputError(field, `${label} is empty: give a non-empty ${label}`);
  return value;
}

function requireMatch(field: string, label: string, value: unknown, pattern: RegExp, hint: string): string {
  const text = requireText(field, label, value);
  if (text.length > MAX_NAME_LENGTH || !pattern.test(text)) throw new InvalidInputError(field, `${label} ${JSON.stringify(text)} is not valid: ${hint}`);
  return text;
}

export const checkRepoName = (value: unknown, field = 'repo'): string =>
  requireMatch(field, 'space name', value, REPO_NAME, 'use lowercase letters and digits, optionally joined by ".", "_", "__" or "-" (for example "acme" or "my-team"); it is the first path component of image references');

export const checkImageName = (value: unknown, field = 'image'): string =>
  requireMatch(field, 'image name', value, IMAGE_NAME, 'use lowercase path components separated by "/" (for example "web" or "tools/builder")');

export const checkTag = (value: unknown, field = 'tag'): string =>
  requireMatch(field, 'tag', value, TAG, 'use up to 128 letters, digits, ".", "_" or "-", not starting with "." or "-" (for example "latest" or "v1.2.0")');

export function checkDigest(value: unknown, field = 'digest'): string {
  const digest = requireMatch(field, 'digest', value, DIGEST, 'write it as algorithm:hex, for example "sha256:" followed by 64 lowercase hex digits');
  if (digest.startsWith('sha256:') && !SHA256_DIGEST.test(digest)) {
    throw new InvalidInputError(field, `digest ${JSON.stringify(digest)} is not valid: a sha256 digest is "sha256:" followed by 64 lowercase hex digits`);
  }
  return digest;
}

export const checkCid = (value: unknown, field = 'cid'): string =>
  requireMatch(field, 'CID', value, CID, 'give the IPFS CID as text, for example "bafy…" (base32 CIDv1)');

const U128_MAX = (1n << 128n) - 1n;

/** A space id as the decimal string of a u128. */
export function checkSpaceId(value: unknown, field = 'spaceId'): string {
  const text = typeof value === 'bigint' || typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d+$/.test(text) || BigInt(text) > U128_MAX) {
    throw new InvalidInputError(field, `space id ${JSON.stringify(String(value))} is not valid: space ids are whole numbers from 0 to 2^128-1`);
  }
  return BigInt(text).toString();
}

/** An account as SS58 (prefix 42), from SS58 of any prefix or a 0x public key. */
export function checkAddress(value: unknown, field = 'address'): string {
  const text = requireText(field, 'account address', value);
  let accountId: Uint8Array | undefined;
  try {
    accountId = decodeAddress(text);
  } catch {
    accountId = undefined;
  }
  if (accountId?.length === 32) return encodeAddress(accountId, SS58_PREFIX);
  throw new InvalidInputError(field, `${JSON.stringify(text)} is not an account address: use an SS58 address (5…) or a 0x-prefixed 32-byte public key`);
}
