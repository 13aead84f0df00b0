// TaggedTransactionQueue_validate_transaction: what the runtime tells a node's pool of a
// transaction, SCALE-encoded as sp_runtime's TransactionValidity. Valid: the priority
// pallet-transaction-payment gives it, the tags CheckNonce gives (it provides (signer, nonce) and,
// past the signer's state nonce, requires (signer, nonce - 1)), the longevity CheckMortality gives
// (until the era's death, counted from the block the validation builds on), and propagate. Invalid
// or unknown: the reason as its enum variant.
import type { Call } from '@polkadot/types/interfaces';
import { bnToU8a, compactToU8a, u8aConcat } from '@polkadot/util';
import type { Runtime } from '../runtime/runtime';
import { encodeU32 } from '../runtime/constants';
import { checkExtrinsic, decodeExtrinsic, type ValidityContext } from './check-extrinsic';
import { type InvalidReason, InvalidTransaction, UnknownTransaction } from './invalid-transaction';
import { transactionPriority } from './priority';

/** sp_runtime's InvalidTransaction variant indices. */
const INVALID_INDEX: Record<InvalidReason, number> = {
  Call: 0,
  Payment: 1,
  Stale: 3,
  BadProof: 4,
  AncientBirthBlock: 5,
  ExhaustsResources: 6,
  MandatoryValidation: 9,
  BadSigner: 10,
};

/** sp_runtime's UnknownTransaction variants, as the messages this chain gives them. */
const UNKNOWN_INDEX: Record<string, number> = {
  'Could not lookup information required to validate the transaction': 0,
  'Could not find an unsigned validator for the unsigned transaction': 1,
};

const encodeU64 = (n: bigint) => bnToU8a(n, { bitLength: 64 });
const encodeTags = (tags: Uint8Array[]) => u8aConcat(compactToU8a(tags.length), ...tags.map((tag) => u8aConcat(compactToU8a(tag.length), tag)));

/**
 * Validates `bytes` (a length-prefixed extrinsic) for the block after the one `ctx` describes
 * (ctx.blockNumber is that next block's number), as the runtime API does.
 */
export function validateTransaction(runtime: Runtime, bytes: Uint8Array, ctx: ValidityContext): Uint8Array {
  const extrinsic = decodeExtrinsic(runtime, bytes);
  let checked: ReturnType<typeof checkExtrinsic>;
  try {
    checked = checkExtrinsic(runtime, bytes, extrinsic, ctx);
  } catch (error) {
    if (error instanceof InvalidTransaction) return new Uint8Array([1, 0, INVALID_INDEX[error.reason]]);
    if (error instanceof UnknownTransaction) return new Uint8Array([1, 1, UNKNOWN_INDEX[error.message] ?? 0]);
    throw error;
  }
  const tag = (nonce: number) => u8aConcat(checked.signer, encodeU32(nonce));
  const requires = checked.future ? [tag(checked.nonce - 1)] : [];
  const current = BigInt(ctx.blockNumber);
  const longevity = checked.validTill > current ? checked.validTill - current : 0n;
  const priority = transactionPriority(checked, runtime.classify(checked.call as Call));
  return u8aConcat([0], encodeU64(priority), encodeTags(requires), encodeTags([tag(checked.nonce)]), encodeU64(longevity), [1]);
}
