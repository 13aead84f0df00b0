// The dispatch model shared by every pallet: origins, failures as DispatchError values, and the
// context a call runs in (storage, events, nested dispatch), mirroring FRAME's semantics.
import type { Call } from '@polkadot/types/interfaces';
import type { Codec } from '@polkadot/types/types';
import type { StateStore } from '../state/state-store';

export type ProxyTypeName = 'Any' | 'NonTransfer' | 'Governance' | 'Staking';

export type Origin =
  | { kind: 'signed'; who: Uint8Array; /** set when dispatched through Proxy.proxy */ proxyType?: ProxyTypeName }
  | { kind: 'root' }
  | { kind: 'none' };

/** A DispatchError as the runtime encodes it: `{ Module: { index, error } }`, `'BadOrigin'`, ... */
export type DispatchErrorValue = string | { Module: { index: number; error: number[] } } | Record<string, unknown>;

/** Thrown by handlers; the dispatcher reverts the call's storage and events. */
export class DispatchFailure extends Error {
  constructor(readonly error: DispatchErrorValue) {
    super(typeof error === 'string' ? error : JSON.stringify(error));
  }
}

export function moduleError(palletIndex: number, errorIndex: number): DispatchFailure {
  return new DispatchFailure({ Module: { index: palletIndex, error: [errorIndex, 0, 0, 0] } });
}

export interface Weight {
  refTime: bigint;
  proofSize: bigint;
}

export type DispatchClass = 'Normal' | 'Operational' | 'Mandatory';

export interface CallHandlerSpec {
  /** The weight charged for this call (fees are computed from it before dispatch). */
  weight(call: Call, weigh: (inner: Call) => Weight): Weight;
  /**
   * The call's dispatch class: which share of the block it may use, and how the pool ranks it.
   * Absent means Normal. A function when the class is the wrapped call's, as FRAME's wrappers
   * declare it (sudo, proxy, utility's with_weight, as_derivative and batches). Mandatory calls
   * (inherents) are never valid as transactions.
   */
  class?: DispatchClass | ((call: Call, classify: (inner: Call) => DispatchClass) => DispatchClass);
  /**
   * Whether the call, dispatched as a transaction and succeeding, returns `Pays::No` in its
   * post-dispatch info, as pallet_sudo's calls all do: transaction-payment then takes the tip
   * alone and refunds the rest of the fee it withdrew. A failed call pays in full. Only the
   * transaction's own call counts: a batch or proxy wrapping such a call pays as usual.
   */
  paysNoOnSuccess?: boolean;
  run(ctx: DispatchContext, origin: Origin, args: Codec[]): void;
}

export interface DispatchContext {
  readonly blockNumber: bigint;
  readonly store: StateStore;
  /** Appends an event to the current extrinsic (reverted with its storage on failure). */
  deposit(pallet: string, event: string, fields: unknown[]): void;
  /** Dispatches a nested call in its own storage layer; its failure is returned, not thrown. */
  dispatch(origin: Origin, call: Call): DispatchFailure | null;
  /** Runs `fn` so that a thrown DispatchFailure reverts everything it wrote. */
  transactional<T>(fn: () => T): T;
}

export const weight = (refTime: number, proofSize = 0): Weight => ({ refTime: BigInt(refTime), proofSize: BigInt(proofSize) });

export const addWeights = (a: Weight, b: Weight): Weight => ({ refTime: a.refTime + b.refTime, proofSize: a.proofSize + b.proofSize });

export function ensureSigned(origin: Origin): Uint8Array {
  if (origin.kind !== 'signed') throw new DispatchFailure('BadOrigin');
  return origin.who;
}
