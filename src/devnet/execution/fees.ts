// The dev chain's fee formula (the whole of it; there is no fee multiplier):
//
//   partial_fee = BASE_FEE + LENGTH_FEE × encoded_length + WEIGHT_FEE × ref_time / 10^6
//   fee         = partial_fee + tip
//
// in the smallest unit (10^-18 hALPHA). A typical registry extrinsic costs about 0.0013 hALPHA.
// The fee is withdrawn from the signer before dispatch and burnt; the signer must keep at least
// the existential deposit.
import type { Weight } from '../runtime/dispatch';

export const BASE_FEE = 1_000_000_000_000_000n; // 0.001 hALPHA
export const LENGTH_FEE = 1_000_000_000n; // per byte
export const WEIGHT_FEE = 1_000_000_000n; // per 10^6 ref_time

export function partialFee(encodedLength: number, weight: Weight): bigint {
  return BASE_FEE + LENGTH_FEE * BigInt(encodedLength) + (WEIGHT_FEE * weight.refTime) / 1_000_000n;
}
