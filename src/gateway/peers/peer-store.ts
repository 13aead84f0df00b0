// The gateway's BlobStore with peers behind it: what the local store lacks is fetched from the
// peers' trustless endpoints (verified-dag.ts), stored and pinned here as it passes, and streamed
// on at once: the first bytes of a pull-through do not wait for the last. Pulls of one file at
// the same time share one fetch (shared-fetch.ts). Everything else goes to the local store
// unchanged. A file's size comes from its root block, the first block of a fetch of the whole
// file, which the read that follows joins: a cold pull asks the peers once, not once for the
// size and again for the bytes.
import type { Readable } from 'node:stream';
import type { CID } from 'multiformats/cid';
import { type BlobStat, BlobNotFoundError, type BlobStore, type ByteSource, type GetOptions, InvalidCidError } from '../../ipfs';
import type { DagBlock, StatOptions } from '../../ipfs/blob-store';
import { decodeFileNode, fileSize } from '../../ipfs/file-node';
import { parseBlobCid } from '../../ipfs/cid';
import { dagCborModule, type IpfsModules, ipfsModules } from '../../ipfs/esm';
import { clampRange, toReadable } from '../../ipfs/streams';
import type { GatewayBlobStore } from '../storage/blob-store';
import { attachTicket, FetchedPins, fetchTicketOf } from './fetched-pins';
import { CarSlots } from './car-slots';
import { PeerClient } from './peer-client';
import { SharedFetch } from './shared-fetch';
import { DEFAULT_SLOW_PEER_RULE, type SlowPeerRule, SlowPeers } from './slow-peers';
import { storedFetch } from './stored-fetch';
import { blockFromPeers, NotAFileError, type PeerLog, type PeerObserver, verifiedFile, type VerifiedFileBlock } from './verified-dag';

export interface PeerOptions {
  /** Base URLs of other gateways (or any IPFS trustless gateway). */
  readonly peers: readonly string[];
  /** A peer that sends nothing for this long is given up on (default 10 s). */
  readonly stallMs?: number;
  /** When a peer is too slow to keep while another may be asked (default DEFAULT_SLOW_PEER_RULE). */
  readonly slowPeer?: SlowPeerRule;
  readonly log: PeerLog;
  /** Told what each peer sent and each time one was passed over (the gateway's metrics). */
  readonly observer?: PeerObserver;
}

/**
 * What a read for a client passes getBlock and stat (beyond BlobStore's own options): the
 * request's signal, so that a client who hangs up ends the peers' fetch of a block, and any wait
 * on a busy peer (up to MAX_BUSY_TOTAL_MS), at once rather than after it.
 */
export interface PeerReadOptions {
  readonly signal?: AbortSignal;
}

/** A store whose stat takes PeerReadOptions too (getBlock takes a signal on every store); a store without peers ignores them. */
export interface PeerBlobStore extends GatewayBlobStore {
  stat(cid: string, options?: StatOptions & PeerReadOptions): Promise<BlobStat>;
}

/** `store` itself when there are no peers. */
export function withPeers(store: BlobStore, options: PeerOptions): PeerBlobStore {
  if (options.peers.length === 0) return store;
  // A peer counts CARs by client address: peers at one origin share one bound here (car-slots.ts).
  const slots = new Map<string, CarSlots>();
  const slotsOf = (url: string) => {
    const origin = originOf(url);
    if (!slots.has(origin)) slots.set(origin, new CarSlots(undefined, options.stallMs));
    return slots.get(origin)!;
  };
  const peers = options.peers.map((url) => new PeerClient(url, { stallMs: options.stallMs, carSlots: slotsOf(url) }));
  // Loaded now, not on the first cold read, whose first byte would wait for it.
  void dagCborModule().catch(() => undefined);
  const fetcher = new PeerFetcher(store, peers, options.log, options.observer, options.slowPeer ?? DEFAULT_SLOW_PEER_RULE);
  return Object.assign(Object.create(store) as PeerBlobStore, {
    checked: (cid: string, read: Readable, matched: boolean) => fetcher.checked(cid, read, matched),
    // A whole read of a file a fetch is bringing here now joins it at once: the file is not whole
    // here yet, and asking the store (has(), a walk of the blocks stored so far, queued behind the
    // fetch's own writes) held the response's first byte back by 20 to 30 ms.
    get: (cid: string, getOptions?: GetOptions) => (fetcher.joinable(cid, getOptions) ? fetcher.get(cid, getOptions) : local(() => wholeHere(store, cid).then(() => store.get(cid, getOptions)), () => fetcher.get(cid, getOptions))),
    stat: (cid: string, statOptions?: StatOptions & PeerReadOptions) => local(() => store.stat(cid), () => fetcher.stat(cid, statOptions)),
    getBlock: (cid: string, readOptions?: PeerReadOptions) => local(() => store.getBlock(cid), () => fetcher.block(cid, readOptions?.signal)),
    // A write that keeps a file for its own sake (a push, an upload, an import, the mirror) vouches
    // for it: a failed check of a peer fetch of the same file, running meanwhile, must not unpin
    // what the write pinned. Marked before a pin of a known CID, so that no unpin lands after it;
    // after a put, whose CID is known only then (a file let go meanwhile is pinned again).
    put: async (source: Parameters<BlobStore['put']>[0], putOptions?: Parameters<BlobStore['put']>[1]) => {
      const stored = await store.put(source, putOptions);
      if (putOptions?.pin !== false) await fetcher.keptHere(stored.cid);
      return stored;
    },
    pin: async (cid: string) => {
      await fetcher.keptHere(cid);
      await store.pin(cid);
    },
    putBlocks: async (root: string, blocks: AsyncIterable<DagBlock>, putOptions?: { signal?: AbortSignal }) => {
      await fetcher.keptHere(root);
      return store.putBlocks(root, blocks, putOptions);
    },
    // Methods the prototype chain would call with the wrong `this`.
    has: store.has.bind(store),
    unpin: store.unpin.bind(store),
    isPinned: store.isPinned.bind(store),
    blocks: store.blocks.bind(store),
    ping: store.ping.bind(store),
    close: store.close.bind(store),
    ...(store.collectGarbage ? { collectGarbage: store.collectGarbage.bind(store) } : {}),
    ...(store.importLeavesElsewhere
      ? {
          importLeavesElsewhere: async (source: ByteSource, importOptions?: { signal?: AbortSignal }) => {
            const stored = await store.importLeavesElsewhere!(source, importOptions);
            await fetcher.keptHere(stored.cid);
            return stored;
          },
        }
      : {}),
    ...(store.adoptFile
      ? {
          adoptFile: async (cid: string, file: string) => {
            await fetcher.keptHere(cid);
            return store.adoptFile!(cid, file);
          },
        }
      : {}),
    ...(store.leafFileOf ? { leafFileOf: store.leafFileOf.bind(store) } : {}),
  });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * BlobNotFoundError unless the local store holds the file whole. A peer fetch cut short (its
 * client hung up, its peer failed) leaves the root and some blocks here, unpinned: read from
 * here, such a file would fail mid-way, after the status line, on every pull until a sweep
 * removed it, where the peers could send it all.
 */
async function wholeHere(store: BlobStore, cid: string): Promise<void> {
  // A pin holds a whole file, and answers without the walk has() may take.
  if (!(await store.isPinned(cid)) && !(await store.has(cid))) throw new BlobNotFoundError(cid, `${cid} is not held whole here`);
}

/** Whether a read asks for the whole file (a shared fetch can serve it), not a range. */
function wholeRead(options: GetOptions): boolean {
  return (options.offset ?? 0) === 0 && options.length === undefined;
}

async function local<T>(here: () => Promise<T>, elsewhere: () => Promise<T>): Promise<T> {
  try {
    return await here();
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    return elsewhere();
  }
}

class PeerFetcher {
  readonly #store: BlobStore;
  readonly #peers: readonly PeerClient[];
  readonly #log: PeerLog;
  readonly #observer: PeerObserver;
  readonly #slowRule: SlowPeerRule;
  readonly #slow = new SlowPeers();
  readonly #pins: FetchedPins;
  /** Fetches of whole files that reads may join, by CID. */
  readonly #shared = new Map<string, SharedFetch>();

  constructor(store: BlobStore, peers: readonly PeerClient[], log: PeerLog, observer: PeerObserver | undefined, slowRule: SlowPeerRule) {
    this.#store = store;
    this.#pins = new FetchedPins(store, log);
    this.#peers = peers;
    this.#log = log;
    this.#slowRule = slowRule;
    this.#observer = {
      received: (peer, bytes) => observer?.received(peer, bytes),
      failed: (peer, reason) => {
        if (reason === 'slow') this.#slow.found(peer);
        observer?.failed(peer, reason);
      },
    };
  }

  /** A digest check's verdict on a file read with get(): what a failed one fetched is not kept. */
  async checked(cid: string, read: Readable, matched: boolean): Promise<void> {
    const ticket = fetchTicketOf(read);
    if (ticket?.cid === cid) return ticket.checked(matched);
    if (matched) await this.#pins.matched(cid);
  }

  /** A write here keeps `cid` for its own sake: a failed check of a fetch of it lets nothing go. */
  keptHere(cid: string): Promise<void> {
    return this.#pins.matched(cid);
  }

  /** Whether a read with `options` would join a fetch of `cid` running now (a whole read, and a fetch that still holds the file's start). */
  joinable(cid: string, options: GetOptions = {}): boolean {
    return wholeRead(options) && this.#shared.get(cid)?.joinable === true;
  }

  /** One block from the first peer that has it and sends the right bytes; `signal` (the client's) ends the fetch and any busy-peer wait. */
  async block(cid: string, signal?: AbortSignal): Promise<Uint8Array> {
    const m = await ipfsModules();
    const { bytes, failures } = await blockFromPeers(m, parseBlobCid(m, cid), this.#slow.order(this.#peers), { observer: this.#observer, signal });
    if (bytes) return bytes;
    throw new BlobNotFoundError(cid, `${cid} is not here, and no peer could send it (${failures.join('; ')})`);
  }

  /**
   * The file's size from the root block of a shared fetch of it (started now unless one is running
   * that a read may join). When no whole read follows (a HEAD, a range), from the root block alone:
   * a fetch started for a read that never joins it would take the peer's bytes and connection
   * until it is given up (unjoinedFetch).
   */
  async stat(cid: string, options: StatOptions & PeerReadOptions = {}): Promise<BlobStat> {
    const m = await ipfsModules();
    const root = parseBlobCid(m, cid);
    const running = this.#shared.get(cid);
    try {
      if (running?.joinable) return { size: await running.size };
      // A shared fetch is not this client's to end (others may join it): only the block alone takes its signal.
      if (options.wholeReadFollows !== false) return { size: await this.#share(m, cid, root).size };
      const block = await this.block(cid, options.signal);
      try {
        return { size: fileSize(decodeFileNode(m, root, block)) };
      } catch (error) {
        if (error instanceof InvalidCidError) throw error;
        throw new NotAFileError(`block ${cid} is not the root of a UnixFS file (${(error as Error).message})`);
      }
    } catch (error) {
      // What the local store says of a root that is no file (a lookup passes over such a CID).
      if (error instanceof NotAFileError) throw new InvalidCidError(cid, error.message);
      throw error;
    }
  }

  /**
   * The file's bytes (or a range of them) from peers, stored and pinned here on the way when the
   * whole file passes. Resolves once the root block has arrived, so a file no peer has rejects
   * here, before a response is started. Reads of the whole file share one fetch while they can
   * (shared-fetch.ts); a range has a fetch of its own.
   */
  async get(cid: string, options: GetOptions = {}): Promise<Readable> {
    const m = await ipfsModules();
    const root = parseBlobCid(m, cid);
    if (!wholeRead(options)) return this.#fetchAlone(m, cid, root, options);
    const openTicket = () => this.#pins.open(cid);
    const running = this.#shared.get(cid);
    const joined = (running?.joinable ? await running.join(openTicket, options.signal) : undefined) ?? (await this.#share(m, cid, root).join(openTicket, options.signal));
    // A fetch just started ended before this read could join it (another read of it failed at once): read alone.
    return joined ?? this.#fetchAlone(m, cid, root, options);
  }

  /** A fetch of `cid` that whole-file reads starting from now on join, while it holds the file's start. */
  #share(m: IpfsModules, cid: string, root: CID): SharedFetch {
    const shared = new SharedFetch({
      cid,
      log: this.#log,
      start: (signal) => storedFetch(this.#store, this.#log, m, cid, root, this.#verifiedFile(m, root, signal)[Symbol.asyncIterator]()),
      rest: (from, signal) => this.#rest(m, root, from, signal),
    });
    this.#shared.set(cid, shared);
    void shared.ended.then(() => {
      if (this.#shared.get(cid) === shared) this.#shared.delete(cid);
    });
    return shared;
  }

  /** The file's bytes from `from` on, verified, on a fetch of their own: a reader that fell behind a shared fetch goes on with them. */
  async *#rest(m: IpfsModules, root: CID, from: number, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    for await (const block of this.#verifiedFile(m, root, signal, from)) {
      const skip = Math.max(from - block.at, 0);
      if (block.data && skip < block.data.byteLength) yield block.data.subarray(skip);
    }
  }

  #verifiedFile(m: IpfsModules, root: CID, signal?: AbortSignal, from = 0): AsyncIterable<VerifiedFileBlock> {
    return verifiedFile(m, root, this.#slow.order(this.#peers), this.#log, signal, this.#observer, this.#slowRule, from);
  }

  /** A fetch of the file for this read alone (a range of it: cut from the whole, which is stored). */
  async #fetchAlone(m: IpfsModules, cid: string, root: CID, options: GetOptions): Promise<Readable> {
    const fetch = await storedFetch(this.#store, this.#log, m, cid, root, this.#verifiedFile(m, root, options.signal)[Symbol.asyncIterator]());
    const range = clampRange(fetch.size, options.offset, options.length);
    // What this fetch pins stays only if the digest check of what it read matches (fetched-pins.ts).
    const ticket = this.#pins.open(cid);
    fetch.follow(ticket);
    async function* bytes(): AsyncGenerator<Uint8Array> {
      let position = 0;
      for await (const data of fetch.bytes) {
        const from = Math.max(range.start - position, 0);
        const to = Math.min(range.end - position, data.byteLength);
        if (to > from) yield data.subarray(from, to);
        position += data.byteLength;
      }
    }
    return attachTicket(toReadable(bytes(), options.signal), ticket);
  }
}
