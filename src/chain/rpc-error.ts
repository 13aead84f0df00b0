// A node refuses a transaction before it enters the pool with a JSON-RPC error (1010 Invalid
// Transaction, 1014 Priority is too low, ...). These become ChainTxErrors of kind `invalid`
// with the node's reason and what to do about it.
import { ChainTxError } from './tx-error';

interface Reason {
  readonly match: RegExp;
  readonly name: string;
  readonly hint: (signer: string) => string;
}

const INVALID_REASONS: readonly Reason[] = [
  { match: /pay some fees/i, name: 'Payment', hint: (s) => `Fund ${s}: it pays the transaction fee.` },
  { match: /outdated/i, name: 'Stale', hint: () => 'Its nonce was already used; sign it again to get the next nonce.' },
  { match: /in the future/i, name: 'Future', hint: () => 'Its nonce is ahead of the account; wait for the earlier transactions or sign again.' },
  { match: /bad signature/i, name: 'BadProof', hint: () => 'The signature does not match the payload; sign again against this chain.' },
  { match: /ancient birth block/i, name: 'AncientBirthBlock', hint: () => 'Its mortality period is over; sign it again.' },
  { match: /exhaust the block/i, name: 'ExhaustsResources', hint: () => 'It is too big for a block; split the batch into smaller ones.' },
  { match: /signing address/i, name: 'BadSigner', hint: () => 'The chain does not accept this signer.' },
  { match: /call is not expected/i, name: 'Call', hint: () => 'The runtime does not accept this call.' },
];

const POOL_CODES: Record<number, { name: string; hint: string }> = {
  1012: { name: 'TemporarilyBanned', hint: 'The node banned this transaction for a while; wait and sign it again.' },
  1013: { name: 'AlreadyImported', hint: 'The same transaction is already waiting; do not submit it twice.' },
  1014: { name: 'PriorityTooLow', hint: 'Another transaction with the same nonce is waiting; wait for it or sign again.' },
  1015: { name: 'CycleDetected', hint: 'Sign it again.' },
  1016: { name: 'ImmediatelyDropped', hint: 'The pool is full; try again later.' },
};

/** The node's reason: the error's `data` when given, else the message without the code prefix. */
function reasonOf(error: { message?: unknown; data?: unknown }): string {
  if (typeof error.data === 'string' && error.data) return error.data;
  return String(error.message ?? error).replace(/^-?\d+:\s*/, '');
}

export function rpcSubmitError(error: unknown, signer: string): ChainTxError {
  const raw = (error ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  const code = typeof raw.code === 'number' ? raw.code : Number(/^(-?\d+):/.exec(String(raw.message))?.[1]);
  const reason = reasonOf(raw);
  if (code === 1010) {
    const known = INVALID_REASONS.find((r) => r.match.test(reason));
    return new ChainTxError({ kind: 'invalid', module: 'InvalidTransaction', name: known?.name ?? 'Invalid', docs: reason, hint: known?.hint(signer) });
  }
  if (code === 1011) return new ChainTxError({ kind: 'invalid', module: 'UnknownTransaction', name: 'Unknown', docs: reason, hint: 'The node cannot check it now; try again later.' });
  const pool = POOL_CODES[code];
  if (pool) return new ChainTxError({ kind: 'invalid', module: 'TxPool', name: pool.name, docs: reason, hint: pool.hint });
  if (code === 1001 || code === 1002) {
    return new ChainTxError({ kind: 'invalid', module: 'Rpc', name: code === 1001 ? 'BadFormat' : 'VerificationError', docs: reason, hint: 'The node could not decode or verify it; check that the client matches the chain\'s runtime.' });
  }
  return new ChainTxError({ kind: 'invalid', module: 'Rpc', name: 'SubmitFailed', docs: reason, hint: 'The node did not accept the transaction; check the connection to the chain and try again.' });
}
