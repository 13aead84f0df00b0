// The order the pallet keeps spaces in: storage keys hashed with Blake2_128Concat of the u128 id.
// It decides which space the pallet records a shared name's writes in (name-claims.ts); kept free
// of a connection so that the indexer can compute it too.
import { bnToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { checkSpaceId } from './validate';

/**
 * The part of a space's storage key that orders it among spaces: Blake2_128(id as SCALE u128)
 * followed by the id. Computed without a connection, so an indexer can tell which space the
 * pallet writes a name to.
 */
export function spaceKeySuffix(id: string | bigint): `0x${string}` {
  const encoded = bnToU8a(BigInt(checkSpaceId(String(id))), { bitLength: 128, isLe: true });
  const key = new Uint8Array(32);
  key.set(blake2AsU8a(encoded, 128), 0);
  key.set(encoded, 16);
  return u8aToHex(key);
}

/** Whether space `a` comes before space `b` in storage-key order. */
export function sortsBefore(a: string | bigint, b: string | bigint): boolean {
  return spaceKeySuffix(a) < spaceKeySuffix(b);
}
