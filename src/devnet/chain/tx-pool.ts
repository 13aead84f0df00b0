// Transactions waiting for a block, in arrival order, with the watchers of
// author_submitAndWatchExtrinsic. Ready and future transactions (a nonce gap) wait together;
// the block builder tells which can go in.
import { u8aToHex } from '@polkadot/util';
import type { CheckedExtrinsic } from '../execution/check-extrinsic';

/** Receives the statuses of one watched extrinsic: "ready", {inBlock}, {finalized}, ... */
export interface TxWatcher {
  update(status: unknown): void;
  /** The last status was sent; the subscription ends. */
  close(): void;
}

interface PoolEntry {
  tx: CheckedExtrinsic;
  watcher?: TxWatcher;
}

export class TxPool {
  readonly #entries = new Map<string, PoolEntry>();

  get size(): number {
    return this.#entries.size;
  }

  has(hash: string): boolean {
    return this.#entries.has(hash);
  }

  /** Another pooled transaction from the same signer with the same nonce, if any. */
  sameNonce(tx: CheckedExtrinsic): CheckedExtrinsic | undefined {
    const signer = u8aToHex(tx.signer);
    for (const { tx: other } of this.#entries.values()) if (other.nonce === tx.nonce && u8aToHex(other.signer) === signer) return other;
    return undefined;
  }

  add(tx: CheckedExtrinsic, watcher?: TxWatcher): void {
    this.#entries.set(tx.hash, { tx, watcher });
  }

  /** Removes a transaction and hands back its watcher (still open). */
  take(hash: string): TxWatcher | undefined {
    const entry = this.#entries.get(hash);
    this.#entries.delete(hash);
    return entry?.watcher;
  }

  /** Candidates for the next block: per signer by nonce, signers in order of first arrival. */
  candidates(): CheckedExtrinsic[] {
    const bySigner = new Map<string, CheckedExtrinsic[]>();
    for (const { tx } of this.#entries.values()) {
      const key = u8aToHex(tx.signer);
      const list = bySigner.get(key) ?? [];
      list.push(tx);
      bySigner.set(key, list);
    }
    return [...bySigner.values()].flatMap((list) => list.sort((a, b) => a.nonce - b.nonce));
  }

  /** The next nonce a signer should use: past its state nonce and every contiguous pooled one. */
  nextNonce(signer: Uint8Array, stateNonce: number): number {
    const key = u8aToHex(signer);
    const nonces = new Set<number>();
    for (const { tx } of this.#entries.values()) if (u8aToHex(tx.signer) === key) nonces.add(tx.nonce);
    let next = stateNonce;
    while (nonces.has(next)) next++;
    return next;
  }

  hexes(): string[] {
    return [...this.#entries.values()].map(({ tx }) => u8aToHex(tx.bytes));
  }
}
