// The one error type submitTx rejects with. Its message is `${module}.${name}: ${docs}`, and the
// parts are fields so callers can branch on them:
// `error.module === 'ContainerRegistry' && error.name === 'NotSpaceOwner'`.
import type { EventRecord } from '@polkadot/types/interfaces';
import type { ChainErrorInfo } from './dispatch-error';

/**
 * - dispatch: included in a block, but the call (or a proxied / batched call in it) failed
 * - invalid: the node refused the transaction (RPC 1010 and friends); nothing was charged
 * - pool: the transaction left the pool without being finalized (dropped, usurped, retracted)
 * - timeout / disconnected: the outcome is unknown; it may still be included
 * - signing: the signer did not produce a signature
 */
export type ChainTxErrorKind = 'dispatch' | 'invalid' | 'pool' | 'timeout' | 'disconnected' | 'signing';

/** One failed call of a force_batch or batch, by its position in the batch. */
export interface BatchItemFailure extends ChainErrorInfo {
  readonly index: number;
}

export interface ChainTxErrorDetails extends ChainErrorInfo {
  readonly kind: ChainTxErrorKind;
  /** Where the failure happened, e.g. "in the proxied call" or "in batch call #2". */
  readonly context?: string;
  /** What to do about it. */
  readonly hint?: string;
  readonly txHash?: string;
  readonly blockHash?: string;
  readonly batchIndex?: number;
  readonly failures?: readonly BatchItemFailure[];
  readonly events?: readonly EventRecord[];
}

export class ChainTxError extends Error {
  readonly kind: ChainTxErrorKind;
  readonly module: string;
  /** The chain's error name, e.g. NotSpaceOwner (also in `name`). */
  readonly chainErrorName: string;
  /** `${module}.${name}`, e.g. ContainerRegistry.NotSpaceOwner. */
  readonly code: string;
  readonly docs: string;
  readonly txHash?: string;
  readonly blockHash?: string;
  readonly batchIndex?: number;
  readonly failures: readonly BatchItemFailure[];
  /** The extrinsic's events when it was included (fees were paid even though it failed). */
  readonly events: readonly EventRecord[];

  constructor(details: ChainTxErrorDetails) {
    const statement = `${details.module}.${details.name}: ${details.docs}${details.context ? ` (${details.context})` : ''}`;
    super(details.hint ? `${/[.!?]$/.test(statement) ? statement : `${statement}.`} ${details.hint}` : statement);
    // Like DOMException's AbortError: `name` says which error this is; instanceof says it is ours.
    this.name = details.name;
    this.kind = details.kind;
    this.module = details.module;
    this.chainErrorName = details.name;
    this.code = `${details.module}.${details.name}`;
    this.docs = details.docs;
    this.txHash = details.txHash;
    this.blockHash = details.blockHash;
    this.batchIndex = details.batchIndex;
    this.failures = details.failures ?? [];
    this.events = details.events ?? [];
  }

  is(module: string, name: string): boolean {
    return this.module === module && this.chainErrorName === name;
  }
}
