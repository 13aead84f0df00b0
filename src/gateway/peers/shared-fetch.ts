// One peer fetch of a file read by every whole-file read of it that starts while the fetch still
// holds the file's first byte (N clients pulling the same image at once): the peers send the file
// once, and it is stored and pinned once. The fetch goes at the pace of its fastest reader, and
// keeps in memory only the bytes behind it that a slower reader still needs, at most a window
// (SHARED_WINDOW_BYTES). A reader that falls further behind is let go of: it goes on from its
// byte on a fetch of its own (verified-dag.ts, from a byte), so a client that stops reading
// holds up neither the others nor the fetch, nor memory. A read that starts once the fetch has
// let go of the file's start gets a fetch of its own. A reader that hangs up leaves the others
// as they were; when the last one has gone, the fetch is cancelled (its connection to the peer
// closed, nothing it stored kept pinned). A fetch may also be started for the file's size (the
// root block, which comes first): the read that follows joins it instead of asking the peers
// again, and one that no read joins within unjoinedFetch.ms is cancelled.
import { Readable } from 'node:stream';
import { attachTicket, type FetchTicket } from './fetched-pins';
import type { StoredFetch } from './stored-fetch';
import type { PeerLog } from './verified-dag';

/** The bytes a shared fetch keeps for readers behind its fastest one (and of the file's start, for reads yet to join). */
export const SHARED_WINDOW_BYTES = 32 * 1024 * 1024;

/** What the shared fetches of this process hold in memory now, and the most they held at once since `peak` was last reset. */
export const sharedFetchMemory = { held: 0, peak: 0 };

/**
 * The most the shared fetches of this process hold together. Each keeps up to the window, and a
 * client that reads part of a blob and stops keeps its fetch's window full for as long as it
 * stays connected: many such clients, each pulling another blob, would otherwise hold a window
 * apiece. Past the bound, the fetches holding most let go of what only reads yet to join and
 * readers behind their fastest one would take (those go on from their byte on fetches of their
 * own). Exported for tests.
 */
export const sharedFetchBounds = { memoryBytes: 256 * 1024 * 1024 };

/** Shared fetches that may hold bytes: asked to let go of them past the bound. */
const holding = new Set<SharedFetch>();

function keepWithinBounds(): void {
  if (sharedFetchMemory.held <= sharedFetchBounds.memoryBytes) return;
  for (const fetch of [...holding].sort((a, b) => b.held - a.held)) {
    if (sharedFetchMemory.held <= sharedFetchBounds.memoryBytes) return;
    fetch.shed();
  }
}

const READ_BUFFER_BYTES = 1 << 20;

/**
 * How long a fetch started for the file's size waits, once the size is known, for a read to join
 * it before it is cancelled: a read follows its size within moments (the response's headers need
 * the size), and until one joins, the peer's connection is held and the store's write is open.
 * Counted from the root block's arrival, not the fetch's start: a peer slow to send it must not
 * cancel the fetch the read is about to join. Exported for tests.
 */
export const unjoinedFetch = { ms: 5_000 };

interface Piece {
  /** Where `data` starts in the file. */
  readonly at: number;
  readonly data: Uint8Array;
  /** What it counts for against the bounds (costOf). */
  readonly cost: number;
}

/**
 * What a piece counts for at the least: a file recorded with leaves of a few bytes (anyone can
 * record one) comes in millions of pieces, each held as objects far larger than its bytes.
 */
const PIECE_COST_BYTES = 1024;
const costOf = (data: Uint8Array) => Math.max(data.byteLength, PIECE_COST_BYTES);
/** Pieces let go of are removed from the list in batches of at least this many (one at a time, each removal moves the rest). */
const COMPACT_AFTER_PIECES = 1024;
/** What stands in a let-go piece's place until the list is compacted: its bytes are free at once. */
const LET_GO: Piece = { at: 0, data: new Uint8Array(0), cost: 0 };

export interface SharedFetchOptions {
  readonly cid: string;
  /** The fetch itself, stored as it passes; ended through `signal` when the last reader has gone. */
  readonly start: (signal: AbortSignal) => Promise<StoredFetch>;
  /** The file's bytes from `from` on, verified, on a fetch of their own (not stored). */
  readonly rest: (from: number, signal: AbortSignal) => AsyncIterable<Uint8Array>;
  readonly log: PeerLog;
}

export class SharedFetch {
  readonly #options: SharedFetchOptions;
  readonly #abort = new AbortController();
  readonly #started: Promise<StoredFetch>;
  readonly #readers = new Set<SharedRead>();
  /** The bytes received, in file order: those from #first on are not let go of yet. */
  readonly #pieces: Piece[] = [];
  #first = 0;
  #held = 0;
  /** The file's bytes received so far. */
  #head = 0;
  /** The file's first byte is still held: a read that starts now can join. */
  #holdsStart = true;
  #pulling: Promise<void> | undefined;
  #done = false;
  #failure: Error | undefined;
  #cancelled = false;
  /** Cancels the fetch if no read has joined it in time. */
  #unjoined: NodeJS.Timeout | undefined;
  /** A read has come to join (the wait for one is over, or never starts). */
  #joining = false;
  #ended!: () => void;
  /** Resolves once the fetch has ended: read whole, failed, or cancelled. */
  readonly ended = new Promise<void>((resolve) => (this.#ended = resolve));

  constructor(options: SharedFetchOptions) {
    this.#options = options;
    holding.add(this);
    this.#started = options.start(this.#abort.signal);
    this.#started.then(
      () => this.#awaitRead(),
      (error: Error) => this.#end(error),
    );
  }

  /** Once the size is known: cancels the fetch unless a read joins within unjoinedFetch.ms. */
  #awaitRead(): void {
    if (this.#joining || this.#cancelled || this.#done || this.#failure) return;
    this.#unjoined = setTimeout(() => {
      if (this.#readers.size === 0) this.#cancel(new Error(`no read joined the fetch within ${unjoinedFetch.ms} ms of its size`));
    }, unjoinedFetch.ms);
    this.#unjoined.unref();
  }

  /** The file's size, from its root block (verified); rejects as the fetch does when no peer has the file. */
  get size(): Promise<number> {
    return this.#started.then((fetch) => fetch.size);
  }

  /** The bytes this fetch holds now, each piece counted at PIECE_COST_BYTES at the least. */
  get held(): number {
    return this.#held;
  }

  /**
   * Lets go of every byte its readers have read: no read can join any more, and a reader behind
   * the fastest goes on from its byte on a fetch of its own.
   */
  shed(): void {
    this.#holdsStart = false;
    for (const read of [...this.#readers]) if (read.position < this.#head) this.#goOnAlone(read, 'the shared fetches of this gateway hold as much as they may');
    this.#letGoBehind();
  }

  /** Whether a read starting now can take its bytes from this fetch. */
  get joinable(): boolean {
    return this.#holdsStart && !this.#cancelled && !this.#done && this.#failure === undefined;
  }

  /**
   * A read of the whole file from this fetch, with its own ticket, once the root block has come
   * (rejects as the fetch does when no peer has the file); undefined when the fetch can no
   * longer take it (it let go of the file's start, or ended meanwhile).
   */
  async join(openTicket: () => FetchTicket, signal?: AbortSignal): Promise<Readable | undefined> {
    // A read is on its way: the fetch is no longer one started for its size alone.
    this.#joining = true;
    clearTimeout(this.#unjoined);
    const fetch = await this.#started;
    if (!this.joinable) return undefined;
    const ticket = openTicket();
    fetch.follow(ticket);
    const read = new SharedRead(this, signal);
    this.#readers.add(read);
    return attachTicket(read, ticket);
  }

  /** The next bytes for `read`: from what the fetch holds, from the peers, or from its own fetch once let go of; null at the end. */
  async next(read: SharedRead): Promise<Uint8Array | null> {
    for (;;) {
      if (read.own) return read.nextOwn();
      if (read.position < this.#head) return this.#pieceAt(read);
      if (this.#failure) throw this.#failure;
      if (this.#done) return null;
      await this.#pull();
    }
  }

  /** `read` has ended (read whole, failed, its client gone): the fetch goes on for the others, or ends with the last. */
  leave(read: SharedRead): void {
    if (!this.#readers.delete(read)) return;
    this.#letGoBehind();
    if (this.#readers.size > 0) return;
    this.#cancel(new Error('every reader of the shared fetch has gone'));
  }

  /** Ends the fetch (its connection to the peer closed, nothing it stored kept pinned) unless it ended already. */
  #cancel(reason: Error): void {
    this.#release();
    if (this.#done || this.#failure || this.#cancelled) return;
    this.#cancelled = true;
    this.#abort.abort(reason);
    void this.#started.then((fetch) => fetch.cancel()).catch(() => undefined).finally(() => this.#end());
  }

  #pieceAt(read: SharedRead): Uint8Array {
    // The first piece held that ends past the read's position, found by halving: a scan from the
    // start would cost a pass over every piece held for each one read.
    let low = this.#first;
    let high = this.#pieces.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const held = this.#pieces[middle];
      if (held.at + held.data.byteLength > read.position) high = middle;
      else low = middle + 1;
    }
    const piece = this.#pieces[low];
    const chunk = piece.data.subarray(read.position - piece.at);
    read.position += chunk.byteLength;
    return chunk;
  }

  /** One more piece from the peers; readers waiting at the head share the one request for it. */
  #pull(): Promise<void> {
    this.#pulling ??= this.#pullOne().finally(() => (this.#pulling = undefined));
    return this.#pulling;
  }

  async #pullOne(): Promise<void> {
    try {
      const fetch = await this.#started;
      const next = await fetch.bytes.next();
      if (next.done) {
        this.#done = true;
        this.#end();
        return;
      }
      this.#add(next.value);
    } catch (error) {
      this.#failure ??= error as Error;
      this.#end(this.#failure);
    }
  }

  #add(data: Uint8Array): void {
    const cost = costOf(data);
    this.#pieces.push({ at: this.#head, data, cost });
    this.#head += data.byteLength;
    this.#count(cost);
    if (this.#head > SHARED_WINDOW_BYTES) this.#holdsStart = false;
    for (const read of [...this.#readers]) {
      // Kept, it would hold the window for ever or stall the others: it goes on by itself.
      if (this.#head - read.position > SHARED_WINDOW_BYTES) this.#goOnAlone(read, `it fell more than ${SHARED_WINDOW_BYTES / (1024 * 1024)} MiB behind the others`);
    }
    this.#letGoBehind();
    keepWithinBounds();
  }

  #goOnAlone(read: SharedRead, why: string): void {
    this.#readers.delete(read);
    read.goOnAlone(this.#options.rest(read.position, read.signal));
    this.#options.log(`a reader of ${this.#options.cid} goes on from byte ${read.position} on a fetch of its own: ${why}`);
  }

  /** Lets go of the bytes every reader has read (and of the file's start, once no read can join). */
  #letGoBehind(): void {
    let keepFrom = this.#holdsStart ? 0 : this.#head;
    for (const read of this.#readers) keepFrom = Math.min(keepFrom, read.position);
    const pieces = this.#pieces;
    while (this.#first < pieces.length && pieces[this.#first].at + pieces[this.#first].data.byteLength <= keepFrom) {
      this.#count(-pieces[this.#first].cost);
      pieces[this.#first++] = LET_GO;
    }
    if (this.#first >= COMPACT_AFTER_PIECES && this.#first * 2 >= pieces.length) {
      pieces.splice(0, this.#first);
      this.#first = 0;
    }
  }

  #release(): void {
    this.#count(-this.#held);
    this.#pieces.length = 0;
    this.#first = 0;
    holding.delete(this);
  }

  #count(bytes: number): void {
    this.#held += bytes;
    sharedFetchMemory.held += bytes;
    sharedFetchMemory.peak = Math.max(sharedFetchMemory.peak, sharedFetchMemory.held);
  }

  #end(failure?: Error): void {
    clearTimeout(this.#unjoined);
    if (failure) this.#failure ??= failure;
    // Read by no one (it failed before any read joined), it holds nothing and never will.
    if (this.#readers.size === 0) this.#release();
    this.#ended();
  }
}

/** One reader's stream of a shared fetch. */
class SharedRead extends Readable {
  /** The file's bytes handed to this reader so far. */
  position = 0;
  /** Its own fetch, once it fell too far behind the others. */
  own: AsyncIterator<Uint8Array> | undefined;
  readonly #shared: SharedFetch;
  readonly #abort = new AbortController();
  #pumping = false;

  constructor(shared: SharedFetch, signal?: AbortSignal) {
    super({ highWaterMark: READ_BUFFER_BYTES });
    this.#shared = shared;
    if (signal?.aborted) this.destroy(signal.reason as Error);
    else signal?.addEventListener('abort', () => this.destroy(signal.reason as Error), { once: true });
  }

  /** Ends this reader's own fetch, if it has one, when the reader ends. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  goOnAlone(rest: AsyncIterable<Uint8Array>): void {
    this.own = rest[Symbol.asyncIterator]();
  }

  async nextOwn(): Promise<Uint8Array | null> {
    const next = await this.own!.next();
    if (next.done) return null;
    this.position += next.value.byteLength;
    return next.value;
  }

  override _read(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const chunk = await this.#shared.next(this);
        if (this.destroyed) return;
        if (chunk === null) {
          this.push(null);
          this.#shared.leave(this);
          return;
        }
        if (!this.push(chunk)) return;
      }
    } catch (error) {
      this.destroy(error as Error);
    } finally {
      this.#pumping = false;
    }
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#abort.abort(error ?? new Error('the read ended'));
    this.#shared.leave(this);
    void this.own?.return?.(undefined).catch(() => undefined);
    done(error);
  }
}
