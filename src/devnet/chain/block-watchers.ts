// Watchers of transactions that are in a block of the best chain, kept by block until that block
// is final (they hear "finalized") or a reorg retracts it (they hear "retracted" and follow their
// transaction wherever it goes next), as a node's transaction pool keeps them.
import type { TxWatcher } from './tx-pool';

export class BlockWatchers {
  /** block hash → transaction hash → watcher. */
  readonly #byBlock = new Map<string, Map<string, TxWatcher>>();

  add(blockHash: string, txHash: string, watcher: TxWatcher): void {
    const watchers = this.#byBlock.get(blockHash) ?? new Map<string, TxWatcher>();
    watchers.set(txHash, watcher);
    this.#byBlock.set(blockHash, watchers);
  }

  /** Removes a block's watchers and hands them back, by transaction hash. */
  take(blockHash: string): Map<string, TxWatcher> {
    const watchers = this.#byBlock.get(blockHash) ?? new Map<string, TxWatcher>();
    this.#byBlock.delete(blockHash);
    return watchers;
  }

  closeAll(): void {
    for (const watchers of this.#byBlock.values()) for (const watcher of watchers.values()) watcher.close();
    this.#byBlock.clear();
  }
}
