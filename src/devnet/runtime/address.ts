// MultiAddress lookup: the dev chain has no Indices pallet, so only Id and Address32 resolve.
import type { Codec } from '@polkadot/types/types';
import { DispatchFailure } from './dispatch';

export function lookupAddress(address: Codec): Uint8Array {
  // polkadot.js decodes MultiAddress as GenericMultiAddress, which exposes `type` and `value`.
  const { type, value } = address as unknown as { type: string; value: Codec };
  if (type === 'Id' || type === 'Address32') return value.toU8a();
  throw new DispatchFailure('CannotLookup');
}
