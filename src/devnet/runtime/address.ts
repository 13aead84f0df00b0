// MultiAddress lookup: the dev chain has no Indices pallet, so only Id and Address32 resolve.
import type { Codec } from '@polkadot/types/types';
import { DispatchFailure } from './dispatch';

export function lookupAddress(address: Codec): Uint8Array {
  const a = address as unknown as { isId: boolean; asId: Codec; isAddress32: boolean; asAddress32: Codec };
  if (a.isId) return a.asId.toU8a();
  if (a.isAddress32) return a.asAddress32.toU8a();
  throw new DispatchFailure('CannotLookup');
}
