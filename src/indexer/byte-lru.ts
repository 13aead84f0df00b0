// The GraphQL response cache's answers, least recently used going first past a bound on the bytes
// they take (strings, counted as UTF-16 code units twice over, which is what they hold in memory).
import { CostLru } from '../limits/cost-lru';

export interface ByteLruEntry {
  value: string;
  storedAt: number;
  /** The answer's HTTP entity tag, kept so that a hit need not hash the value again. */
  etag?: string;
}

export class ByteLru {
  readonly #entries: CostLru<ByteLruEntry>;

  constructor(readonly maxBytes: number) {
    this.#entries = new CostLru(maxBytes, (key, entry) => ByteLru.cost(key, entry.value));
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#entries.cost;
  }

  /** The value and when it was stored; a hit becomes the most recently used entry. */
  get(key: string): ByteLruEntry | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: string, storedAt = Date.now(), etag?: string): void {
    this.#entries.set(key, etag === undefined ? { value, storedAt } : { value, storedAt, etag });
  }

  static cost(key: string, value: string): number {
    return 2 * (key.length + value.length) + 64;
  }
}
