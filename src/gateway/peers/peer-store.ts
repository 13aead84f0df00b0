// The gateway's BlobStore with peers behind it: what the local store lacks is fetched from the
// peers' trustless endpoints (verified-dag.ts), stored and pinned here as it passes, and streamed
// on at once: the first bytes of a pull-through do not wait for the last. Everything else goes
// to the local store unchanged. Sizes come from the file's root block (fetched alone, checked).
import type { Readable } from 'node:stream';
import type { CID } from 'multiformats/cid';
import { type BlobStat, BlobNotFoundError, type BlobStore, type ByteSource, type GetOptions } from '../../ipfs';
import type { DagBlock } from '../../ipfs/blob-store';
import { parseBlobCid } from '../../ipfs/cid';
import { dagCborModule, ipfsModules } from '../../ipfs/esm';
import { decodeFileNode, fileSize } from '../../ipfs/file-node';
import { clampRange, toReadable } from '../../ipfs/streams';
import type { GatewayBlobStore } from '../storage/blob-store';
import { BlockChannel } from './block-channel';
import { attachTicket, FetchedPins, fetchTicketOf } from './fetched-pins';
import { PeerClient } from './peer-client';
import { DEFAULT_SLOW_PEER_RULE, type SlowPeerRule, SlowPeers } from './slow-peers';
import { blockFromPeers, type PeerLog, type PeerObserver, verifiedFile } from './verified-dag';

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

/** `store` itself when there are no peers. */
export function withPeers(store: BlobStore, options: PeerOptions): GatewayBlobStore {
  if (options.peers.length === 0) return store;
  const peers = options.peers.map((url) => new PeerClient(url, { stallMs: options.stallMs }));
  // Loaded now, not on the first cold read, whose first byte would wait for it.
  void dagCborModule().catch(() => undefined);
  const fetcher = new PeerFetcher(store, peers, options.log, options.observer, options.slowPeer ?? DEFAULT_SLOW_PEER_RULE);
  return Object.assign(Object.create(store) as GatewayBlobStore, {
    checked: (cid: string, read: Readable, matched: boolean) => fetcher.checked(cid, read, matched),
    get: (cid: string, getOptions?: GetOptions) => local(() => wholeHere(store, cid).then(() => store.get(cid, getOptions)), () => fetcher.get(cid, getOptions)),
    stat: (cid: string) => local(() => store.stat(cid), () => fetcher.stat(cid)),
    getBlock: (cid: string) => local(() => store.getBlock(cid), () => fetcher.block(cid)),
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

  /** One block from the first peer that has it and sends the right bytes. */
  async block(cid: string): Promise<Uint8Array> {
    const m = await ipfsModules();
    const { bytes, failures } = await blockFromPeers(m, parseBlobCid(m, cid), this.#slow.order(this.#peers), { observer: this.#observer });
    if (bytes) return bytes;
    throw new BlobNotFoundError(cid, `${cid} is not here, and no peer could send it (${failures.join('; ')})`);
  }

  async stat(cid: string): Promise<BlobStat> {
    const m = await ipfsModules();
    const root = parseBlobCid(m, cid);
    return { size: fileSize(decodeFileNode(m, root, await this.block(cid))) };
  }

  /**
   * The file's bytes (or a range of them) from peers, stored and pinned here on the way when the
   * whole file passes. Resolves once the root block has arrived, so a file no peer has rejects
   * here, before a response is started.
   */
  async get(cid: string, options: GetOptions = {}): Promise<Readable> {
    const m = await ipfsModules();
    const root = parseBlobCid(m, cid);
    const blocks = verifiedFile(m, root, this.#slow.order(this.#peers), this.#log, options.signal, this.#observer, this.#slowRule)[Symbol.asyncIterator]();
    const first = await blocks.next();
    if (first.done) throw new BlobNotFoundError(cid, `no peer sent ${cid}`);
    const size = fileSize(decodeFileNode(m, root, first.value.bytes));
    const range = clampRange(size, options.offset, options.length);
    const channel = new BlockChannel();
    // What this fetch pins stays only if the digest check of what it read matches (fetched-pins.ts).
    const ticket = this.#pins.open(cid);
    // Once the store stops taking blocks (it failed: a full disk, a restarted IPFS node), the
    // file still goes to the client, verified, and is just not kept: a push into a channel no one
    // reads would wait for ever.
    let keeping = true;
    const stopKeeping = () => {
      keeping = false;
      channel.fail(new Error('the store stopped taking blocks'));
    };
    const storing = this.#store.putBlocks(cid, channel).then(
      async () => {
        stopKeeping();
        this.#log(`fetched ${cid} (${size} bytes) from peers and pinned it`);
        await ticket.stored(true);
      },
      async (error: Error) => {
        stopKeeping();
        await ticket.stored(false);
        this.#log(`${cid} from peers was not kept (${error.message}); it is still sent to the client`);
      },
    );
    const store = async (block: DagBlock) => {
      if (!keeping) return;
      try {
        await channel.push(block);
      } catch (error) {
        if (keeping) throw error;
      }
    };
    async function* bytes(): AsyncGenerator<Uint8Array> {
      let position = 0;
      let complete = false;
      try {
        for (let next: IteratorResult<{ cid: CID; bytes: Uint8Array; data?: Uint8Array }> = first; !next.done; next = await blocks.next()) {
          await store({ cid: next.value.cid, bytes: next.value.bytes });
          const data = next.value.data;
          if (!data) continue;
          const from = Math.max(range.start - position, 0);
          const to = Math.min(range.end - position, data.byteLength);
          if (to > from) yield data.subarray(from, to);
          position += data.byteLength;
        }
        complete = true;
      } finally {
        if (complete) channel.close();
        else {
          channel.fail(new Error('the download stopped before the whole file arrived'));
          await blocks.return?.(undefined).catch(() => undefined);
        }
        await storing;
      }
    }
    return attachTicket(toReadable(bytes(), options.signal), ticket);
  }
}
