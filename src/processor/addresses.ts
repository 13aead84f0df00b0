import { encodeAddress } from '@polkadot/util-crypto';

/** Hippius (and the dev chain) use the generic Substrate SS58 prefix. */
export const SS58_PREFIX = 42;

/**
 * SS58 encoding (a blake2 checksum and base58) took about an eighth of the processor's time, for
 * a few accounts seen over and over; a pure function, so memoised, with a bound on its size.
 */
const encoded = new Map<string, string>();
const MAX_MEMO = 100_000;

export function toAddress(publicKey: string): string {
  let address = encoded.get(publicKey);
  if (address === undefined) {
    address = encodeAddress(publicKey, SS58_PREFIX);
    if (encoded.size >= MAX_MEMO) encoded.clear();
    encoded.set(publicKey, address);
  }
  return address;
}
