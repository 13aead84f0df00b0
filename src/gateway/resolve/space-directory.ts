// Spaces by name, read from chain state once per new space. Every new space changes NextSpaceId
// (it only grows), and nothing else adds or removes a space, so a listing made when NextSpaceId
// was N holds every space of any state whose NextSpaceId is N or less. Members can change without
// a new space: callers that need them read the space again (getSpace).
import type { ApiPromise } from '@polkadot/api';
import { bytesArg, listSpaces, nextSpaceId, type SpaceView } from '../../chain';

interface Listing {
  /** NextSpaceId read before the spaces were listed: the listing holds every space up to it. */
  readonly next: bigint;
  readonly byName: Map<string, SpaceView[]>;
  /** Space ids by owner: one space per owner, and no call changes a space's owner. */
  readonly byOwner: Map<string, string>;
}

export class SpaceDirectory {
  readonly #api: ApiPromise;
  #listing?: Listing;
  #loading?: Promise<Listing>;

  constructor(api: ApiPromise) {
    this.#api = api;
  }

  /**
   * The spaces named `name` (text or raw bytes) in storage-key order, as of a state whose
   * NextSpaceId is `next` (read by the caller in the same state as whatever it pairs them with),
   * or newer: a space created since may be listed too, never one missing.
   */
  async named(name: string | Uint8Array, next: bigint): Promise<SpaceView[]> {
    const listing = await this.#listingFrom(next);
    return listing.byName.get(bytesArg(name)) ?? [];
  }

  /** The spaces named `name` now. */
  async namedNow(name: string | Uint8Array): Promise<SpaceView[]> {
    return this.named(name, BigInt(await nextSpaceId(this.#api)));
  }

  /** The id of the space `owner` (an SS58 address as chain reads give it) has now, if any. */
  async idOwnedBy(owner: string): Promise<string | undefined> {
    return (await this.#listingFrom(BigInt(await nextSpaceId(this.#api)))).byOwner.get(owner);
  }

  /** Every space by name as of `next` or newer. */
  async all(next?: bigint): Promise<Map<string, SpaceView[]>> {
    return (await this.#listingFrom(next ?? BigInt(await nextSpaceId(this.#api)))).byName;
  }

  async #listingFrom(next: bigint): Promise<Listing> {
    if (this.#listing && this.#listing.next >= next) return this.#listing;
    // One listing at a time; a caller that needs a newer state than the one loading waits for it, then lists again.
    while (this.#loading) {
      const loaded = await this.#loading.catch(() => undefined);
      if (loaded && loaded.next >= next) return loaded;
    }
    this.#loading = this.#load();
    try {
      this.#listing = await this.#loading;
      return this.#listing;
    } finally {
      this.#loading = undefined;
    }
  }

  async #load(): Promise<Listing> {
    const next = BigInt(await nextSpaceId(this.#api));
    const byName = new Map<string, SpaceView[]>();
    const byOwner = new Map<string, string>();
    for (const space of await listSpaces(this.#api)) {
      const named = byName.get(space.repoName.hex) ?? [];
      named.push(space);
      byName.set(space.repoName.hex, named);
      byOwner.set(space.owner, space.id);
    }
    return { next, byName, byOwner };
  }
}
