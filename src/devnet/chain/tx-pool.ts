// Transactions waiting for a block, with the watchers of author_submitAndWatchExtrinsic. Ready
// and future transactions (a nonce gap) wait together; the block builder tells which can go in.
// They are offered as a node's ready queue yields them: highest priority first, each signer's in
// nonce order (a transaction is not ready before the one it follows), earlier arrival first among
// equals. Indexed by signer so that checks stay O(1) per transaction however full the pool is.
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
  signer: string;
  watcher?: TxWatcher;
  /** Admitted with a nonce gap before it: counted against the (smaller) future limit. */
  future: boolean;
  /** What the runtime's validation gave it (pallet-transaction-payment's priority). */
  priority: bigint;
  /** Arrival order, which breaks ties between equal priorities. */
  arrival: number;
}

export interface PoolLimit {
  count: number;
  bytes: number;
}

/**
 * What a node started with default flags holds (`--pool-limit 8192 --pool-kbytes 20480`, a tenth
 * of that for transactions waiting on a nonce gap). Without limits any client could sign with a
 * public dev key and park gigabytes of future-nonce transactions here, which no block ever takes.
 */
export const DEFAULT_POOL_LIMITS: { ready: PoolLimit; future: PoolLimit } = {
  ready: { count: 8192, bytes: 20 * 1024 * 1024 },
  future: { count: 819, bytes: 2 * 1024 * 1024 },
};

export class TxPool {
  readonly #byHash = new Map<string, PoolEntry>();
  /** signer hex → nonce → entry; signers in order of first arrival. */
  readonly #bySigner = new Map<string, Map<number, PoolEntry>>();
  /** Count and bytes held in each part, against `limits`. */
  readonly #used = { ready: { count: 0, bytes: 0 }, future: { count: 0, bytes: 0 } };
  #arrivals = 0;

  constructor(readonly limits = DEFAULT_POOL_LIMITS) {}

  get size(): number {
    return this.#byHash.size;
  }

  has(hash: string): boolean {
    return this.#byHash.has(hash);
  }

  get(hash: string): CheckedExtrinsic | undefined {
    return this.#byHash.get(hash)?.tx;
  }

  /**
   * The transactions that wait on this one: when it is ready (its signer's nonces run without a
   * gap from the state nonce up to it), the signer's pooled transactions with the next nonces,
   * up to the first gap. A node removes them with it when it removes it as invalid: their nonce
   * requirement was provided by it alone.
   */
  dependents(hash: string, stateNonce: number): string[] {
    const entry = this.#byHash.get(hash);
    if (!entry) return [];
    const nonces = this.#bySigner.get(entry.signer)!;
    if (entry.tx.nonce < stateNonce || this.nextNonce(entry.tx.signer, stateNonce) <= entry.tx.nonce) return [];
    const hashes: string[] = [];
    for (let next = entry.tx.nonce + 1; nonces.has(next); next++) hashes.push(nonces.get(next)!.tx.hash);
    return hashes;
  }

  /** Another pooled transaction from the same signer with the same nonce, if any. */
  sameNonce(tx: CheckedExtrinsic): CheckedExtrinsic | undefined {
    return this.#bySigner.get(u8aToHex(tx.signer))?.get(tx.nonce)?.tx;
  }

  /**
   * True when a transaction of this size would not fit in the ready (or future) part, counting
   * the room `replacing` (a pooled transaction it takes the place of) gives back there.
   */
  isFull(bytes: number, future: boolean, replacing?: string): boolean {
    const used = future ? this.#used.future : this.#used.ready;
    const limit = future ? this.limits.future : this.limits.ready;
    const replaced = replacing === undefined ? undefined : this.#byHash.get(replacing);
    const freed = replaced && replaced.future === future ? { count: 1, bytes: replaced.tx.bytes.length } : { count: 0, bytes: 0 };
    return used.count - freed.count + 1 > limit.count || used.bytes - freed.bytes + bytes > limit.bytes;
  }

  add(tx: CheckedExtrinsic, watcher?: TxWatcher, future = false, priority = 0n): void {
    const entry = { tx, signer: u8aToHex(tx.signer), watcher, future, priority, arrival: this.#arrivals++ };
    const used = future ? this.#used.future : this.#used.ready;
    used.count++;
    used.bytes += tx.bytes.length;
    this.#byHash.set(tx.hash, entry);
    const nonces = this.#bySigner.get(entry.signer) ?? new Map<number, PoolEntry>();
    nonces.set(tx.nonce, entry);
    this.#bySigner.set(entry.signer, nonces);
  }

  /** Removes a transaction and hands back its watcher (still open). */
  take(hash: string): TxWatcher | undefined {
    const entry = this.#byHash.get(hash);
    if (!entry) return undefined;
    this.#byHash.delete(hash);
    const used = entry.future ? this.#used.future : this.#used.ready;
    used.count--;
    used.bytes -= entry.tx.bytes.length;
    const nonces = this.#bySigner.get(entry.signer)!;
    nonces.delete(entry.tx.nonce);
    if (nonces.size === 0) this.#bySigner.delete(entry.signer);
    return entry.watcher;
  }

  /**
   * Candidates for the next block, best first: of each signer's next transaction (by nonce), the
   * one with the highest priority, then the earliest arrival; taking one makes its signer's next
   * nonce the signer's candidate.
   */
  candidates(): CheckedExtrinsic[] {
    const queues = [...this.#bySigner.values()].map((nonces) => [...nonces.values()].sort((a, b) => a.tx.nonce - b.tx.nonce));
    const heads = new Heap<{ queue: PoolEntry[]; next: number }>((a, b) => before(a.queue[a.next], b.queue[b.next]));
    for (const queue of queues) heads.push({ queue, next: 0 });
    const ordered: CheckedExtrinsic[] = [];
    for (let head = heads.pop(); head; head = heads.pop()) {
      ordered.push(head.queue[head.next].tx);
      if (++head.next < head.queue.length) heads.push(head);
    }
    return ordered;
  }

  /** The next nonce a signer should use: past its state nonce and every contiguous pooled one. */
  nextNonce(signer: Uint8Array, stateNonce: number): number {
    const nonces = this.#bySigner.get(u8aToHex(signer));
    let next = stateNonce;
    while (nonces?.has(next)) next++;
    return next;
  }

  /**
   * What author_pendingExtrinsics lists: the ready transactions (each signer's run of nonces from
   * its state nonce up to the first gap), in the order a block would take them. A node lists its
   * ready queue only; a transaction waiting for a gap to be filled stays in the pool unlisted.
   */
  readyHexes(stateNonce: (signer: Uint8Array) => number): string[] {
    const expected = new Map<string, number>();
    const ready: string[] = [];
    for (const tx of this.candidates()) {
      const signer = u8aToHex(tx.signer);
      const next = expected.get(signer) ?? stateNonce(tx.signer);
      // Past a gap nothing of this signer's is ready: -1 matches no nonce.
      expected.set(signer, tx.nonce === next ? next + 1 : -1);
      if (tx.nonce === next) ready.push(u8aToHex(tx.bytes));
    }
    return ready;
  }
}

/**
 * Whether `a` goes before `b`, as a node's ready queue orders them: higher priority, then the
 * one that expires first (its era ends sooner), then earlier arrival.
 */
const before = (a: PoolEntry, b: PoolEntry) =>
  a.priority !== b.priority ? a.priority > b.priority : a.tx.validTill !== b.tx.validTill ? a.tx.validTill < b.tx.validTill : a.arrival < b.arrival;

/** A binary heap: `pop` gives the item that goes before all others. */
class Heap<T> {
  readonly #items: T[] = [];

  constructor(private readonly first: (a: T, b: T) => boolean) {}

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.first(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ; ) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let best = i;
      if (l < items.length && this.first(items[l], items[best])) best = l;
      if (r < items.length && this.first(items[r], items[best])) best = r;
      if (best === i) break;
      [items[i], items[best]] = [items[best], items[i]];
      i = best;
    }
    return top;
  }
}
