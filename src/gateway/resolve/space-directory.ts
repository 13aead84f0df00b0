// Spaces by name, read from chain state once per new space. Every new space changes NextSpaceId
// (it only grows), and nothing else adds or removes a space, so a listing made when NextSpaceId
// was N holds every space of any later state of the same chain whose NextSpaceId is N or less.
// Members can change without a new space: callers that need them read the space again (getSpace).
//
// "The same chain": a reorg can drop the block a listing was read at, and the new branch's
// NextSpaceId (it depends on the blocks' numbers) can be no higher than the listing's while its
// spaces differ: the listing would then hold a space the chain no longer has, which could own a
// name someone else claimed on the new branch. So a listing is read at one block and reused only
// while that block is still on the node's best chain.
//
// Asking the node that at every lookup cost a round trip on each pull resolved without the index.
// Instead the directory follows the node's best heads: a head whose parent is the head before it
// extends that chain, so a listing on the one is on the other, and nothing more need be asked. Any
// other head (a reorg, a head skipped, a reconnection) makes the next lookup ask the node once, as
// it does whenever no head is being followed.
import type { ApiPromise } from '@polkadot/api';
import { bytesArg, listSpaces, nextSpaceId, type SpaceView } from '../../chain';

interface Listing {
  /** The block the listing was read at. */
  readonly block: { readonly number: number; readonly hash: string };
  /** NextSpaceId at that block: the listing holds every space up to it. */
  readonly next: bigint;
  readonly byName: Map<string, SpaceView[]>;
  /** Space ids by owner: one space per owner, and no call changes a space's owner. */
  readonly byOwner: Map<string, string>;
}

/** The last best head the node announced. */
interface Head {
  readonly hash: string;
  readonly parent: string;
  /** A listing whose block is this head or one of its ancestors, as far as the heads followed show. */
  readonly holds?: Listing;
}

export class SpaceDirectory {
  readonly #api: ApiPromise;
  #listing?: Listing;
  #loading?: Promise<Listing>;
  #head?: Head;
  /** Settles once the head subscription is made, or could not be (tried again at the next lookup). */
  #following?: Promise<void>;
  #unsubscribe?: () => void;
  #closed = false;
  /** Heads announced before a disconnection say nothing of the chain after it. */
  readonly #forgetHead = (): void => {
    this.#head = undefined;
  };

  constructor(api: ApiPromise) {
    this.#api = api;
  }

  /** Stops following the node's heads (the caller owns the API connection). */
  close(): void {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#api.off('disconnected', this.#forgetHead);
    this.#head = undefined;
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
    // Not awaited: a lookup never waits for the subscription; until it is made, lookups check each time.
    void this.#follow();
    if (this.#listing && this.#listing.next >= next && (await this.#onBestChain(this.#listing))) return this.#listing;
    // One listing at a time; a caller that needs a newer state than the one loading waits for it, then lists again.
    while (this.#loading) {
      const loaded = await this.#loading.catch(() => undefined);
      if (loaded && loaded.next >= next) return loaded;
    }
    this.#loading = this.#load();
    try {
      const listing = await this.#loading;
      this.#listing = listing;
      // Heads announced while it loaded: the listing's block, or its child, vouch for it.
      const head = this.#head;
      if (head && (head.hash === listing.block.hash || head.parent === listing.block.hash)) this.#head = { ...head, holds: listing };
      return listing;
    } finally {
      this.#loading = undefined;
    }
  }

  /** Whether the block `listing` was read at is still on the node's best chain (no reorg dropped it). */
  async #onBestChain(listing: Listing): Promise<boolean> {
    const head = this.#head;
    if (head?.holds === listing && this.#unsubscribe && this.#api.isConnected) return true;
    const onChain = (await this.#api.rpc.chain.getBlockHash(listing.block.number)).toHex() === listing.block.hash;
    // The node answered at its best head, which is the last one announced or a later one: heads
    // extending the last one keep the listing. A head announced meanwhile may be on another branch.
    if (onChain && head && this.#head === head) this.#head = { ...head, holds: listing };
    return onChain;
  }

  /** Subscribes to the node's best heads once; lookups check each time until it is made. */
  #follow(): Promise<void> {
    if (this.#following || this.#closed || !this.#api.isConnected) return this.#following ?? Promise.resolve();
    this.#api.off('disconnected', this.#forgetHead).on('disconnected', this.#forgetHead);
    const following = this.#api.rpc.chain
      .subscribeNewHeads((header) => this.#onHead(header.hash.toHex(), header.parentHash.toHex()))
      .then((unsubscribe) => {
        if (this.#closed) unsubscribe();
        else this.#unsubscribe = unsubscribe;
      })
      .catch(() => {
        if (this.#following === following) this.#following = undefined;
      });
    this.#following = following;
    return following;
  }

  #onHead(hash: string, parent: string): void {
    const previous = this.#head;
    if (previous?.hash === hash) return;
    const listing = this.#listing;
    const extendsPrevious = previous !== undefined && previous.hash === parent && previous.holds === listing;
    const holds = listing && (extendsPrevious || listing.block.hash === hash || listing.block.hash === parent) ? listing : undefined;
    this.#head = { hash, parent, holds };
  }

  async #load(): Promise<Listing> {
    const header = await this.#api.rpc.chain.getHeader();
    const block = { number: header.number.toNumber(), hash: header.hash.toHex() };
    // Both read at that one block, whatever the node imports meanwhile.
    const at = await this.#api.at(block.hash);
    const next = BigInt(await nextSpaceId(at));
    const byName = new Map<string, SpaceView[]>();
    const byOwner = new Map<string, string>();
    for (const space of await listSpaces(at)) {
      const named = byName.get(space.repoName.hex) ?? [];
      named.push(space);
      byName.set(space.repoName.hex, named);
      byOwner.set(space.owner, space.id);
    }
    return { block, next, byName, byOwner };
  }
}
