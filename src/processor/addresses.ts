import { encodeAddress } from '@polkadot/util-crypto';

/** Hippius (and the dev chain) use the generic Substrate SS58 prefix. */
export const SS58_PREFIX = 42;

export function toAddress(publicKey: string): string {
  return encodeAddress(publicKey, SS58_PREFIX);
}
