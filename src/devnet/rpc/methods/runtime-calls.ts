// state_call: the runtime APIs clients use, answered with SCALE bytes as a node's runtime would.
import { bnToU8a, compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import type { DevChain } from '../../chain/dev-chain';
import type { BlockRecord } from '../../execution/block-builder';
import { decodeExtrinsic } from '../../execution/check-extrinsic';
import { partialFee } from '../../execution/fees';
import { validateTransaction } from '../../execution/validate-transaction';
import { readAccount } from '../../runtime/accounts';
import { encodeRuntimeVersionConstant } from '../../runtime/constants';
import { Runtime } from '../../runtime/runtime';
import { RpcError } from '../types';

/** Weight, class and partial fee of an extrinsic, as TransactionPaymentApi_query_info computes them. */
export function queryInfo(chain: DevChain, extrinsicBytes: Uint8Array) {
  const extrinsic = decodeExtrinsic(chain.runtime, extrinsicBytes);
  const call = extrinsic.method;
  const weight = chain.runtime.weigh(call as never);
  const klass = chain.runtime.classify(call as never);
  return { weight, class: klass, partialFee: extrinsic.isSigned ? partialFee(extrinsicBytes.length, weight) : 0n };
}

type RuntimeCall = (chain: DevChain, args: Uint8Array, block: BlockRecord) => Uint8Array;

const CALLS: Record<string, RuntimeCall> = {
  Core_version: () => encodeRuntimeVersionConstant(),
  Metadata_metadata: (chain) => Runtime.opaque(chain.runtime.metadataV14),
  Metadata_metadata_versions: () => u8aConcat(compactToU8a(2), bnToU8a(14, { bitLength: 32 }), bnToU8a(15, { bitLength: 32 })),
  Metadata_metadata_at_version: (chain, args) => {
    const version = args.length >= 4 ? new DataView(args.buffer, args.byteOffset).getUint32(0, true) : -1;
    if (version === 14) return u8aConcat([1], Runtime.opaque(chain.runtime.metadataV14));
    if (version === 15) return u8aConcat([1], Runtime.opaque(chain.runtime.metadataV15));
    return new Uint8Array([0]);
  },
  AccountNonceApi_account_nonce: (chain, args, block) => {
    if (args.length !== 32) throw new RpcError(4003, 'Client error: Execution failed: AccountNonceApi_account_nonce takes a 32-byte account id');
    return bnToU8a(readAccount(chain.storeAt(block), args).nonce, { bitLength: 32 });
  },
  TaggedTransactionQueue_validate_transaction: (chain, args, block) => {
    // Arguments: the source (one byte), the extrinsic (with its own length prefix), then the hash
    // of the block to validate it on top of (the state is the call's block's, as a node's pool
    // calls it).
    if (args.length < 1 + 1 + 32 || args[0] > 2) throw new RpcError(4003, 'could not decode the arguments of TaggedTransactionQueue_validate_transaction');
    return validateTransaction(chain.runtime, args.subarray(1, args.length - 32), {
      genesisHash: chain.genesisHash,
      blockNumber: block.number + 1,
      blockHashAt: (n) => chain.tree.ancestorAt(block, n)?.hash,
      store: chain.storeAt(block),
    });
  },
  TransactionPaymentApi_query_info: (chain, args) => {
    // Arguments: the extrinsic (with its own length prefix) then its length as u32.
    const info = queryInfo(chain, args.subarray(0, args.length - 4));
    return chain.runtime.codec.encode(chain.runtime.types.runtimeDispatchInfo, info);
  },
};

export const RUNTIME_CALL_NAMES = Object.keys(CALLS);

export function stateCall(chain: DevChain, method: string, args: Uint8Array, block: BlockRecord): string {
  // Own entries only: "constructor" or "toString" would otherwise reach Object.prototype's
  // functions and answer with made-up bytes instead of "not found".
  const call = Object.hasOwn(CALLS, method) ? CALLS[method] : undefined;
  if (!call) throw new RpcError(4003, `Client error: Execution failed: Other: Exported method ${method} is not found`);
  try {
    return u8aToHex(call(chain, args, block));
  } catch (error) {
    if (error instanceof RpcError) throw new RpcError(4003, `Client error: Execution failed: ${error.message}`);
    throw new RpcError(4003, `Client error: Execution failed: could not decode the arguments of ${method}`);
  }
}
