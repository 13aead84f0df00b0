// A least-recently-used map bounded by the bytes of its values (strings, counted as UTF-16 code
// units twice over, which is what they hold in memory), for the GraphQL response cache.
export interface ByteLruEntry {
  value: string;
  storedAt: number;
  /** The answer's HTTP entity tag, kept so that a hit need not hash the value again. */
  etag?: string;
}

export class ByteLru {
  readonly #entries = new Map<string, ByteLruEntry>();
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The value and when it was stored; a hit becomes the most recently used entry. */
  get(key: string): ByteLruEntry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: string, value: string, storedAt = Date.now(), etag?: string): void {
    const cost = ByteLru.cost(key, value);
    this.delete(key);
    if (cost > this.maxBytes) return;
    this.#entries.set(key, etag === undefined ? { value, storedAt } : { value, storedAt, etag });
    this.#bytes += cost;
    // Map iterates in insertion order, and hits re-insert: the first key is the least recent.
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= ByteLru.cost(oldest, entry.value);
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= ByteLru.cost(key, entry.value);
  }

  static cost(key: string, value: string): number {
    return 2 * (key.length + value.length) + 64;
  }
}
