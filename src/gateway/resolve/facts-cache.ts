// The referrers facts of manifests read before (digest → ManifestFacts), bounded by the memory
// they take. A manifest's facts carry its annotations, which may be as large as the manifest
// itself, and anyone who records manifests can have the referrers API read thousands of them:
// kept without a bound, their facts would grow with every manifest ever listed. The least
// recently used go first; a fact forgotten is read again from the manifest when it is asked for.
import type { ManifestFacts } from './verified-content';

/** What the facts of all manifests together may take, about (their JSON, as UTF-16). */
export const FACTS_CACHE_BYTES = 32 * 1024 * 1024;

export class FactsCache {
  readonly #entries = new Map<string, { facts: ManifestFacts; cost: number }>();
  #bytes = 0;

  constructor(readonly maxBytes = FACTS_CACHE_BYTES) {}

  /** The bytes the kept facts take, about. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A hit becomes the most recently used entry. */
  get(digest: string): ManifestFacts | undefined {
    const entry = this.#entries.get(digest);
    if (!entry) return undefined;
    this.#entries.delete(digest);
    this.#entries.set(digest, entry);
    return entry.facts;
  }

  set(digest: string, facts: ManifestFacts): void {
    const old = this.#entries.get(digest);
    if (old) {
      this.#entries.delete(digest);
      this.#bytes -= old.cost;
    }
    const cost = 2 * (digest.length + JSON.stringify(facts).length);
    // One entry may take an eighth of the whole, as the manifest cache allows one manifest.
    if (cost > this.maxBytes / 8) return;
    this.#entries.set(digest, { facts, cost });
    this.#bytes += cost;
    // Map iterates in insertion order, and hits re-insert: the first key is the least recent.
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.cost;
    }
  }
}
