// When a node removes a transaction from its pool as invalid, it also removes the same signer's
// transactions waiting behind its nonce, though nothing is wrong with them: a push of this
// gateway can be turned away for another push's fault (an unpayable fee, an expired era, an
// operator's author_removeExtrinsic) or for a transaction another process signed with the same
// key. Such a push may be signed again with a fresh nonce, but only when it is certain nothing of
// it was recorded: the pool removed it without its ever being reported in a block, and the chain
// has not used its nonce (a transaction gossiped to other nodes before it was removed here could
// still be included elsewhere, and would use that nonce).
import { ChainTxError } from '../../chain';

export interface RemovalFacts {
  readonly error: unknown;
  /** The transaction was reported in a block (in block, retracted, finality timeout or finalized). */
  readonly sawBlock: boolean;
  readonly nonce: number;
  /** The signer's nonce in the best block's state, read after the removal. */
  readonly stateNonce: number;
  /** A nonce below this one, held by this process, was given back unused while this one was held. */
  readonly behindGivenBack: boolean;
  /** A nonce below this one is still held by this process (its transaction is still in the pool or being signed). */
  readonly heldBelow: boolean;
}

/** Whether the transaction was removed only because one ahead of it left the pool, with certainty that it was not included. */
export function removedBehindGap(facts: RemovalFacts): boolean {
  const { error } = facts;
  if (!(error instanceof ChainTxError) || error.kind !== 'pool' || error.chainErrorName !== 'Invalid') return false;
  if (facts.sawBlock || facts.stateNonce > facts.nonce) return false;
  // One of this process's own transactions ahead of it left the pool unused; or it waited behind a
  // nonce nothing here holds (another process's transaction with the same key), which left too.
  // A transaction removed while the one ahead of it stays removed for a fault of its own.
  return facts.behindGivenBack || (facts.stateNonce < facts.nonce && !facts.heldBelow);
}
