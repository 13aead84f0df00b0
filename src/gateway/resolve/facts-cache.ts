// The referrers facts of manifests read before (digest → ManifestFacts), bounded by the memory
// they take. A manifest's facts carry its annotations, which may be as large as the manifest
// itself, and anyone who records manifests can have the referrers API read thousands of them:
// kept without a bound, their facts would grow with every manifest ever listed. The least
// recently used go first; a fact forgotten is read again from the manifest when it is asked for.
import { CostLru } from '../../limits/cost-lru';
import type { ManifestFacts } from './verified-content';

/** What the facts of all manifests together may take, about (their JSON, as UTF-16). */
export const FACTS_CACHE_BYTES = 32 * 1024 * 1024;

export type FactsCache = CostLru<ManifestFacts>;

export function factsCache(maxBytes = FACTS_CACHE_BYTES): FactsCache {
  // One entry may take an eighth of the whole, as the manifest cache allows one manifest.
  return new CostLru(maxBytes, (digest, facts) => 2 * (digest.length + JSON.stringify(facts).length), maxBytes / 8);
}
