// A transaction's priority in the pool, as pallet-transaction-payment gives it: the tip plus one
// (so that, tips being equal, the smaller transaction ranks first), times how many transactions
// of this weight and length an empty block could hold (the scarcer of the two), so that a tip
// buys the same priority per unit of block space whatever the transaction's size. Operational
// calls add a virtual tip, their whole fee (tip included) times OperationalFeeMultiplier, scaled
// the same way. A transaction replaces a pooled one with its signer and nonce only with a
// strictly higher priority, as on a node.
import type { DispatchClass, Weight } from '../runtime/dispatch';
import { OPERATIONAL_FEE_MULTIPLIER } from '../runtime/pallets/transaction-payment';
import { BLOCK_LENGTH, BLOCK_WEIGHTS, U64_MAX } from './block-limits';

export interface PricedTransaction {
  /** The call's declared weight (without the base extrinsic weight, as the pallet takes it). */
  weight: Weight;
  /** Encoded length of the whole extrinsic. */
  bytes: Uint8Array;
  tip: bigint;
  /** What the signer pays: partial fee plus tip. */
  fee: bigint;
}

export function transactionPriority(tx: PricedTransaction, dispatchClass: DispatchClass): bigint {
  const perBlock = maxPerBlock(tx.weight, tx.bytes.length, dispatchClass);
  const scaledTip = (tx.tip + 1n) * perBlock;
  if (dispatchClass !== 'Operational') return clampU64(scaledTip);
  return clampU64(scaledTip + tx.fee * OPERATIONAL_FEE_MULTIPLIER * perBlock);
}

/**
 * How many such transactions fit an empty block: the block's whole maximum weight divided by the
 * call's (per component, the smaller quotient; each component at least 1 and at most the
 * block's), and the class's maximum length divided by the extrinsic's (at least 1 byte).
 */
function maxPerBlock(weight: Weight, length: number, dispatchClass: DispatchClass): bigint {
  const max = BLOCK_WEIGHTS.maxBlock;
  const bound = (value: bigint, limit: bigint) => (value < 1n ? 1n : value > limit ? limit : value);
  const byWeight = [max.refTime / bound(weight.refTime, max.refTime), max.proofSize / bound(weight.proofSize, max.proofSize)];
  const maxLength = BigInt(BLOCK_LENGTH[dispatchClass]);
  const byLength = maxLength / bound(BigInt(length), maxLength);
  return [...byWeight, byLength].reduce((a, b) => (a < b ? a : b));
}

/** Priorities are u64 on a node (saturating). */
function clampU64(value: bigint): bigint {
  return value > U64_MAX ? U64_MAX : value;
}
