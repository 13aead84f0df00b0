// The entities the last batches wrote, kept in memory so that the next batch does not load them
// again (loading was about a sixth of the handler's time during a sync). It holds only what
// committed transactions wrote, and is dropped whenever that may not hold:
// - a batch with hot (unfinalized) blocks may be rolled back later, so it clears the cache and
//   adds nothing; the database is then read again after any rollback;
// - a batch that starts at or below the last one handled is a retry of a transaction that did
//   not commit (Subsquid retries serialization failures), so whatever the failed attempt changed
//   in memory is dropped.
// Past `maxEntries` per entity type the oldest entries go; they are read again when needed.
import type { BatchState } from './batch-state';
import { EntityMaps } from './entity-maps';

export class EntityCache extends EntityMaps {
  #lastHeight = -1;
  #usable = false;

  constructor(readonly maxEntries: number) {
    super();
  }

  /** Starts a batch of blocks `first`–`last`; `hot` when its writes may be rolled back. */
  begin(first: number, last: number, hot: boolean): void {
    if (hot || first <= this.#lastHeight) this.clear();
    this.#usable = !hot && this.maxEntries > 0;
    this.#lastHeight = last;
  }

  /** Whether this batch may read from the cache and add to it. */
  get usable(): boolean {
    return this.#usable;
  }

  /** Takes in what a batch loaded and wrote (called once its writes are issued). */
  remember(state: BatchState): void {
    if (!this.#usable) return;
    for (const account of state.accounts.values()) put(this.accounts, account.id, account, this.maxEntries);
    for (const space of state.spaces.values()) {
      put(this.spaces, space.id, space, this.maxEntries);
      put(this.spaceByOwner, space.owner.id, space, this.maxEntries);
    }
    for (const image of state.images.values()) put(this.images, image.id, image, this.maxEntries);
    for (const tag of state.tags.values()) put(this.tags, tag.id, tag, this.maxEntries);
    for (const manifest of state.manifests.values()) put(this.manifests, manifest.id, manifest, this.maxEntries);
    for (const blob of state.blobs.values()) put(this.blobs, blob.id, blob, this.maxEntries);
  }

  clear(): void {
    for (const map of [this.accounts, this.spaces, this.spaceByOwner, this.images, this.tags, this.manifests, this.blobs]) map.clear();
  }
}

/** Sets `key` as the newest entry, dropping the oldest past `max`. */
function put<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as string);
}
