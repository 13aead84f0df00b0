// payment_*: fee estimates (the same numbers as TransactionPaymentApi through state_call).
import type { DevChain } from '../../chain/dev-chain';
import { BASE_FEE } from '../../execution/fees';
import type { RpcHandler } from '../types';
import { blockAt, hexBytes } from './params';
import { queryInfo } from './runtime-calls';

export function paymentMethods(chain: DevChain): Record<string, RpcHandler> {
  return {
    payment_queryInfo: ([extrinsic, at]) => {
      blockAt(chain, at);
      const info = queryInfo(chain, hexBytes(extrinsic, 'the extrinsic'));
      // polkadot.js reads this RPC as RuntimeDispatchInfoV1 (weight: u64 ref time); clients
      // that want the two-dimensional weight use TransactionPaymentApi_query_info.
      return {
        weight: Number(info.weight.refTime),
        class: info.class.toLowerCase(),
        partialFee: info.partialFee.toString(),
      };
    },
    payment_queryFeeDetails: ([extrinsic, at]) => {
      blockAt(chain, at);
      const info = queryInfo(chain, hexBytes(extrinsic, 'the extrinsic'));
      if (info.partialFee === 0n) return { inclusionFee: null };
      const rest = info.partialFee - BASE_FEE;
      return { inclusionFee: { baseFee: `0x${BASE_FEE.toString(16)}`, lenFee: '0x0', adjustedWeightFee: `0x${rest.toString(16)}` } };
    },
  };
}
