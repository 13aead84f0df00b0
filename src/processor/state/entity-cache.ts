// The entities the last batches wrote, kept in memory so that the next batch does not load them
// again (loading was about a sixth of the handler's time during a sync). It holds only what
// committed transactions wrote, and is dropped whenever that may not hold:
// - a batch with hot (unfinalized) blocks may be rolled back later, so it clears the cache and
//   adds nothing; the database is then read again after any rollback;
// - a batch that starts at or below the last one handled is a retry of a transaction that did
//   not commit (Subsquid retries serialization failures), so whatever the failed attempt changed
//   in memory is dropped.
// Past `maxEntries` per entity type the oldest entries go; they are read again when needed.
//
// Whole tables: when the cache starts out (or starts over) while a table is still empty, every
// row that table gets afterwards is written by a batch this cache remembers, so an id the cache
// does not hold is known to be absent and need not be looked up. During a sync from genesis most
// ids a batch touches are new, and these lookups of absent ids were most of the loading time.
// The knowledge ends for a type when one of its entries is evicted, and for all types whenever
// the cache is cleared (it is then checked again against the tables).
import type { BatchState } from './batch-state';
import { EntityMaps } from './entity-maps';

/** The entity types the cache keeps (spaces by id and by owner count as one). */
export const CACHED_KINDS = ['accounts', 'spaces', 'images', 'tags', 'manifests', 'blobs'] as const;
export type CachedKind = (typeof CACHED_KINDS)[number];

export class EntityCache extends EntityMaps {
  #lastHeight = -1;
  #usable = false;
  /** Whether the tables have been checked for emptiness since the cache was last cleared. */
  #checked = false;
  /** The types whose every row in the database is in the cache. */
  readonly #whole = new Set<CachedKind>();

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

  /** Whether this batch must first tell the cache which tables are empty (see wholeFrom). */
  get needsTableCheck(): boolean {
    return this.#usable && !this.#checked;
  }

  /** Records which types' tables are empty now, while the cache holds nothing of them. */
  wholeFrom(emptyKinds: CachedKind[]): void {
    this.#checked = true;
    for (const kind of emptyKinds) if (this[kind].size === 0) this.#whole.add(kind);
  }

  /** Whether every row of this type in the database is in the cache: a miss means "absent". */
  holdsAll(kind: CachedKind): boolean {
    return this.#usable && this.#whole.has(kind);
  }

  /** Takes in what a batch loaded and wrote (called once its writes are issued). */
  remember(state: BatchState): void {
    if (!this.#usable) return;
    for (const account of state.accounts.values()) this.#put('accounts', this.accounts, account.id, account);
    for (const space of state.spaces.values()) {
      this.#put('spaces', this.spaces, space.id, space);
      this.#put('spaces', this.spaceByOwner, space.owner.id, space);
    }
    for (const [name, space] of state.nameOwners) this.#put('spaces', this.nameOwners, name, space);
    for (const [name, space] of state.nameWriters) this.#put('spaces', this.nameWriters, name, space);
    for (const image of state.images.values()) this.#put('images', this.images, image.id, image);
    for (const tag of state.tags.values()) this.#put('tags', this.tags, tag.id, tag);
    for (const manifest of state.manifests.values()) this.#put('manifests', this.manifests, manifest.id, manifest);
    for (const blob of state.blobs.values()) this.#put('blobs', this.blobs, blob.id, blob);
  }

  clear(): void {
    for (const map of [this.accounts, this.spaces, this.spaceByOwner, this.nameOwners, this.nameWriters, this.images, this.tags, this.manifests, this.blobs]) map.clear();
    this.#whole.clear();
    this.#checked = false;
  }

  /** Sets `key` as the newest entry, dropping the oldest past maxEntries (and with it the whole table). */
  #put<V>(kind: CachedKind, map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > this.maxEntries) {
      map.delete(map.keys().next().value as string);
      this.#whole.delete(kind);
    }
  }
}
