// Substrate storage keys: twox128(pallet) ++ twox128(item) ++ hashed key parts.
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, xxhashAsU8a } from '@polkadot/util-crypto';
import type { StorageHasher } from '../runtime/pallet';

export function storagePrefix(pallet: string, item: string): Uint8Array {
  return u8aConcat(xxhashAsU8a(pallet, 128), xxhashAsU8a(item, 128));
}

export function hashKeyPart(hasher: StorageHasher, encoded: Uint8Array): Uint8Array {
  switch (hasher) {
    case 'Blake2_128':
      return blake2AsU8a(encoded, 128);
    case 'Blake2_256':
      return blake2AsU8a(encoded, 256);
    case 'Blake2_128Concat':
      return u8aConcat(blake2AsU8a(encoded, 128), encoded);
    case 'Twox128':
      return xxhashAsU8a(encoded, 128);
    case 'Twox256':
      return xxhashAsU8a(encoded, 256);
    case 'Twox64Concat':
      return u8aConcat(xxhashAsU8a(encoded, 64), encoded);
    case 'Identity':
      return encoded;
  }
}

/** State keys are kept as lowercase 0x-hex strings, as the RPC speaks them. */
export function keyHex(parts: Uint8Array[]): string {
  return u8aToHex(u8aConcat(...parts));
}
