// A transaction's priority in the pool, as pallet-transaction-payment gives it: the tip scaled by
// how many such transactions a block could hold, so that a tip buys the same priority per unit of
// block space whatever the transaction's size; operational calls add a virtual tip of their fee
// times OperationalFeeMultiplier. A transaction replaces a pooled one with its signer and nonce
// only with a strictly higher priority (a higher tip), as on a node.
import type { CheckedExtrinsic } from './check-extrinsic';
import { MAX_BLOCK_EXTRINSICS_BYTES } from './check-extrinsic';

/** Normal calls' share of a block's ref time (Substrate's usual 75% of 2 s). */
export const MAX_NORMAL_BLOCK_REF_TIME = 1_500_000_000_000n;

/** pallet-transaction-payment's usual OperationalFeeMultiplier. */
export const OPERATIONAL_FEE_MULTIPLIER = 5n;

export function transactionPriority(tx: CheckedExtrinsic, dispatchClass: 'Normal' | 'Operational' | 'Mandatory'): bigint {
  const refTime = tx.weight.refTime < 1n ? 1n : tx.weight.refTime > MAX_NORMAL_BLOCK_REF_TIME ? MAX_NORMAL_BLOCK_REF_TIME : tx.weight.refTime;
  const length = BigInt(Math.min(Math.max(tx.bytes.length, 1), MAX_BLOCK_EXTRINSICS_BYTES));
  const byWeight = MAX_NORMAL_BLOCK_REF_TIME / refTime;
  const byLength = BigInt(MAX_BLOCK_EXTRINSICS_BYTES) / length;
  const perBlock = byWeight < byLength ? byWeight : byLength;
  const scaledTip = perBlock * tx.tip;
  if (dispatchClass !== 'Operational') return clampU64(scaledTip);
  // The fee without the tip, as the pallet computes the virtual tip from it.
  return clampU64(scaledTip + (tx.fee - tx.tip) * OPERATIONAL_FEE_MULTIPLIER * perBlock);
}

/** Priorities are u64 on a node (saturating). */
function clampU64(value: bigint): bigint {
  const max = (1n << 64n) - 1n;
  return value > max ? max : value;
}
