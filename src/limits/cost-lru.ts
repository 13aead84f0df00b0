// A map that keeps its entries within a total cost (the memory their values take, as its owner
// counts it), letting the least recently used go first. Caches whose entries anyone can make
// large (answers, manifest facts with their annotations) hold one each, so that what they keep is
// bounded by memory, not by a count of entries of any size.

export class CostLru<V> {
  readonly #entries = new Map<string, { value: V; cost: number }>();
  #cost = 0;

  /**
   * `costOf` is asked once per value stored; an entry that costs more than `maxEntryCost` is not
   * kept (one entry filling the whole would leave room for nothing else).
   */
  constructor(
    readonly maxCost: number,
    readonly costOf: (key: string, value: V) => number,
    readonly maxEntryCost = maxCost,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** What the entries kept cost together. */
  get cost(): number {
    return this.#cost;
  }

  /** A hit becomes the most recently used entry. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` (replacing any under `key`) unless it costs too much, in which case `key` holds nothing. */
  set(key: string, value: V): void {
    this.delete(key);
    const cost = this.costOf(key, value);
    if (cost > this.maxEntryCost) return;
    this.#entries.set(key, { value, cost });
    this.#cost += cost;
    // Map iterates in insertion order, and hits re-insert: the first key is the least recent.
    for (const [oldest, entry] of this.#entries) {
      if (this.#cost <= this.maxCost) break;
      this.#entries.delete(oldest);
      this.#cost -= entry.cost;
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#cost -= entry.cost;
  }
}
