// Submits checked extrinsics and follows each one: ready → inBlock → finalized, or failed with
// the chain's error in words. Records are kept for an hour so status can be polled or streamed
// by hash; listeners hear every change.
import type { ApiPromise } from '@polkadot/api';
import type { ExtrinsicStatus } from '@polkadot/types/interfaces';
import { stringLowerFirst } from '@polkadot/util';
import { chainErrorText, txFailure } from '../chain';
import { readInclusion } from '../chain/inclusion';
import { rpcSubmitError } from '../chain/rpc-error';
import type { ActionName } from './actions';
import { DEFAULT_WALLET_API_CONCURRENCY, Slots } from './concurrency';
import { ApiError } from './errors';
import type { CheckedExtrinsic } from './extrinsic-check';

/** `signing` is the client's own state before submission; the API's records start at `submitted`. */
export type TxStatus = 'submitted' | 'future' | 'ready' | 'broadcast' | 'inBlock' | 'retracted' | 'finalized' | 'failed';

export interface TxErrorWords {
  /** `Pallet.Error`, e.g. ContainerRegistry.UserAlreadyHasSpace. */
  readonly code: string;
  /** For people: what went wrong and what to do. */
  readonly message: string;
  /** The runtime's own description. */
  readonly docs: string;
}

export interface TxRecord {
  readonly hash: string;
  readonly action: ActionName;
  readonly signer: string;
  readonly nonce: number;
  status: TxStatus;
  blockHash?: string;
  blockNumber?: number;
  error?: TxErrorWords;
  readonly history: { status: TxStatus; at: string; blockHash?: string }[];
}

export const TERMINAL: readonly TxStatus[] = ['finalized', 'failed'];
const POOL_FAILURES: Partial<Record<string, TxErrorWords>> = {
  invalid: { code: 'TxPool.Invalid', message: 'The transaction became invalid while waiting. Sign it again.', docs: 'The transaction became invalid while waiting in the pool.' },
  dropped: { code: 'TxPool.Dropped', message: 'The node dropped the transaction. Sign and submit it again.', docs: 'The node dropped the transaction from its pool.' },
  usurped: { code: 'TxPool.Usurped', message: 'Another transaction from your account replaced it. Check your account before trying again.', docs: 'Another transaction with the same nonce replaced it.' },
  finalityTimeout: { code: 'TxPool.FinalityTimeout', message: 'The block was not finalized in time. Check whether it was included before trying again.', docs: 'The block holding the transaction was not finalized in time.' },
};
const KEEP_MS = 60 * 60_000;

interface Entry {
  readonly record: TxRecord;
  stop?: () => void;
  timer?: NodeJS.Timeout;
  /** Set once the record is final; kept for KEEP_MS after. */
  doneAt?: number;
}

export class TxTracker {
  readonly #api: ApiPromise;
  readonly #timeoutMs: number;
  readonly #records = new Map<string, Entry>();
  readonly #listeners = new Map<string, Set<(record: TxRecord) => void>>();
  readonly #pending: Slots;
  readonly #limits: { perSigner: number; total: number };

  constructor(api: ApiPromise, options: { timeoutMs?: number; pendingPerSigner?: number; pending?: number } = {}) {
    this.#api = api;
    this.#timeoutMs = options.timeoutMs ?? 5 * 60_000;
    this.#limits = { perSigner: options.pendingPerSigner ?? DEFAULT_WALLET_API_CONCURRENCY.pendingPerSigner, total: options.pending ?? DEFAULT_WALLET_API_CONCURRENCY.pending };
    this.#pending = new Slots(this.#limits.perSigner, this.#limits.total);
  }

  get(hash: string): TxRecord | undefined {
    return this.#records.get(hash.toLowerCase())?.record;
  }

  /** Calls `listener` on every change of `hash` until the returned function is called. */
  listen(hash: string, listener: (record: TxRecord) => void): () => void {
    const key = hash.toLowerCase();
    const set = this.#listeners.get(key) ?? new Set();
    set.add(listener);
    this.#listeners.set(key, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(key) === set) this.#listeners.delete(key);
    };
  }

  /** Sends the extrinsic to the node; a refusal (bad nonce, no funds, …) throws 422 and keeps no record. */
  async submit(checked: CheckedExtrinsic): Promise<{ record: TxRecord; duplicate: boolean }> {
    this.#prune();
    const known = this.#records.get(checked.hash);
    if (known) return { record: known.record, duplicate: true };
    // Each one followed holds a node subscription until it ends (up to the timeout), so how many
    // are followed at once is bounded, per signer and in total.
    const full = this.#pending.take(checked.signer);
    if (full === 'key') throw new ApiError(429, 'RATE_LIMITED', `${checked.signer} already has ${this.#limits.perSigner} transactions in progress through this gateway, the most allowed: wait until one is finalized or failed (GET /api/extrinsics/{hash}), then submit again`, 'extrinsic');
    if (full === 'total') throw new ApiError(429, 'RATE_LIMITED', `this gateway is following ${this.#limits.total} transactions, the most it allows at once: submit again in a minute, or to a node directly`, 'extrinsic');
    const record: TxRecord = { hash: checked.hash, action: checked.action, signer: checked.signer, nonce: checked.nonce, status: 'submitted', history: [{ status: 'submitted', at: new Date().toISOString() }] };
    const entry: Entry = { record };
    this.#records.set(checked.hash, entry);
    let queue = Promise.resolve();
    try {
      const stop = await this.#api.rpc.author.submitAndWatchExtrinsic(checked.extrinsic, (status) => {
        queue = queue.then(() => this.#onStatus(entry, status)).catch((error: Error) => this.#fail(entry, { code: 'Client.Error', message: `Following the transaction failed (${error.message}). Check your account before trying again.`, docs: error.message }));
      });
      if (entry.doneAt) stop();
      else entry.stop = stop;
    } catch (error) {
      this.#records.delete(checked.hash);
      if (entry.doneAt === undefined) this.#pending.release(checked.signer);
      entry.doneAt ??= Date.now();
      const refused = rpcSubmitError(error, checked.signer);
      throw new ApiError(422, 'REJECTED_BY_CHAIN', `the node refused the transaction: ${chainErrorText({ module: refused.module, name: refused.chainErrorName, message: refused.message })}`, 'extrinsic');
    }
    entry.timer = setTimeout(() => this.#fail(entry, { code: 'Client.Timeout', message: `The transaction was not finalized within ${Math.round(this.#timeoutMs / 1000)} s. It may still be included: check your account before trying again.`, docs: 'Timed out waiting for finality.' }), this.#timeoutMs);
    entry.timer.unref();
    return { record, duplicate: false };
  }

  /** Stops following every transaction. */
  close(): void {
    for (const entry of this.#records.values()) this.#finish(entry);
    this.#listeners.clear();
  }

  async #onStatus(entry: Entry, status: ExtrinsicStatus): Promise<void> {
    if (entry.doneAt) return;
    const name = stringLowerFirst(status.type);
    const poolFailure = POOL_FAILURES[name];
    if (poolFailure) return this.#fail(entry, poolFailure);
    const blockHash = status.isInBlock ? status.asInBlock.toHex() : status.isFinalized ? status.asFinalized.toHex() : status.isRetracted ? status.asRetracted.toHex() : undefined;
    if (status.isInBlock || status.isFinalized) {
      const inclusion = await readInclusion(this.#api, blockHash!, entry.record.hash);
      entry.record.blockHash = blockHash;
      entry.record.blockNumber = inclusion.blockNumber;
      const failure = txFailure(this.#api.registry, inclusion.events);
      if (failure) {
        const message = `${failure.module}.${failure.name}: ${failure.docs}${failure.context ? ` (${failure.context})` : ''}`;
        return this.#fail(entry, { code: `${failure.module}.${failure.name}`, message: chainErrorText({ module: failure.module, name: failure.name, message }), docs: failure.docs });
      }
    }
    this.#update(entry, name as TxStatus, blockHash);
    if (status.isFinalized) this.#finish(entry);
  }

  #fail(entry: Entry, error: TxErrorWords): void {
    if (entry.doneAt) return;
    entry.record.error = error;
    this.#update(entry, 'failed', entry.record.blockHash);
    this.#finish(entry);
  }

  #update(entry: Entry, status: TxStatus, blockHash?: string): void {
    entry.record.status = status;
    entry.record.history.push(blockHash ? { status, at: new Date().toISOString(), blockHash } : { status, at: new Date().toISOString() });
    for (const listener of this.#listeners.get(entry.record.hash) ?? []) listener(entry.record);
  }

  #finish(entry: Entry): void {
    if (entry.doneAt === undefined) this.#pending.release(entry.record.signer);
    entry.doneAt ??= Date.now();
    clearTimeout(entry.timer);
    entry.stop?.();
    entry.stop = undefined;
  }

  #prune(): void {
    const cutoff = Date.now() - KEEP_MS;
    for (const [hash, entry] of this.#records) {
      if (entry.doneAt !== undefined && entry.doneAt < cutoff) {
        this.#records.delete(hash);
        this.#listeners.delete(hash);
      }
    }
  }
}
