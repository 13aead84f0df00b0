// Files a peer fetch stored and pinned here before any digest check vouched for them. A peer
// sends the blocks of the CID a chain record names, and every block matches its CID; but the
// record is anyone's to write, so the file may be a stranger's (of the very size the manifest
// gives the blob) that fails its digest once hashed. Kept pinned, a malicious peer and record
// could fill the store with junk one failed pull at a time. So each read that fetched a file
// carries a ticket (found by its stream), and the digest check's verdict settles it: a file
// whose every fetch failed its check, and that no check vouched for, is unpinned (the embedded
// store's sweep, or Kubo's GC, then drops its blocks). A file a check matched is kept for good,
// and one unpinned while another check was still reading it is pinned again when that check
// matches. Nothing is unpinned that no peer fetch of this process pinned, nor while another
// fetch of the same file is still open or awaiting its verdict, nor once a write here (a push, an
// upload, an import, the mirror) kept the same file for its own sake: that vouches for it too.
import type { Readable } from 'node:stream';

/** Files whose verdicts are remembered at most; past it the oldest is forgotten, and stays as it is (pinned). */
const MAX_TRACKED_FILES = 10_000;

interface TrackedFile {
  /** Fetches of it that are still running or await their verdict. */
  open: number;
  /** A fetch of this process pinned it (so letting it go unpins nothing pinned otherwise). */
  pinned: boolean;
  /** A digest check matched its bytes: it is kept whatever else fails. */
  vouched: boolean;
  /** Unpinned after a failed check: a later match pins it again. */
  released: boolean;
}

export interface PinStore {
  pin(cid: string): Promise<void>;
  unpin(cid: string): Promise<void>;
}

/** One fetch of a file from peers: its storing, then the digest check of what it read. */
export class FetchTicket {
  #stored?: boolean;
  #verdict?: boolean;
  #closed = false;

  constructor(readonly cid: string, private readonly pins: FetchedPins) {}

  /** The store kept the file (pinned) or not (a failed write, a cut download). */
  stored(kept: boolean): Promise<void> {
    this.#stored = kept;
    if (kept) this.pins.pinned(this.cid);
    return this.#settleIfDone();
  }

  /** The digest check of what this fetch read matched, or did not. */
  checked(matched: boolean): Promise<void> {
    this.#verdict ??= matched;
    return this.#settleIfDone();
  }

  async #settleIfDone(): Promise<void> {
    if (this.#closed) return;
    // Not kept, this fetch pinned nothing; a match still vouches for the file.
    const done = this.#stored === false || (this.#stored === true && this.#verdict !== undefined);
    if (!done) return;
    this.#closed = true;
    return this.pins.close(this.cid, this.#verdict === true);
  }
}

const tickets = new WeakMap<object, FetchTicket>();

/** The peer fetch a stream from the store reads, if it reads one (and not the local store). */
export function fetchTicketOf(stream: Readable): FetchTicket | undefined {
  return tickets.get(stream);
}

export function attachTicket(stream: Readable, ticket: FetchTicket): Readable {
  tickets.set(stream, ticket);
  return stream;
}

export class FetchedPins {
  readonly #files = new Map<string, TrackedFile>();
  readonly #store: PinStore;
  readonly #log: (line: string) => void;

  constructor(store: PinStore, log: (line: string) => void) {
    this.#store = store;
    this.#log = log;
  }

  /** A fetch of `cid` from peers starts. */
  open(cid: string): FetchTicket {
    const file = this.#files.get(cid) ?? { open: 0, pinned: false, vouched: false, released: false };
    file.open++;
    this.#track(cid, file);
    return new FetchTicket(cid, this);
  }

  /** A fetch stored and pinned `cid`. */
  pinned(cid: string): void {
    const file = this.#files.get(cid);
    if (!file) return;
    file.pinned = true;
    // Pinned anew: a failed check may let it go again.
    file.released = false;
  }

  /**
   * A digest check matched `cid`'s bytes, however they were read: kept, and pinned again if a
   * failed check of another read let it go meanwhile.
   */
  async matched(cid: string): Promise<void> {
    const file = this.#files.get(cid);
    if (!file) return;
    file.vouched = true;
    if (file.open === 0) this.#files.delete(cid);
    if (!file.released) return;
    file.released = false;
    await this.#store.pin(cid).catch((error: Error) => this.#log(`${cid} matched its digest after it was unpinned, and could not be pinned again (${error.message}); it is fetched again when next needed`));
  }

  /** A fetch's ticket is settled: `good` when its check matched; otherwise, with no other fetch open and no match, its pin goes. */
  async close(cid: string, good: boolean): Promise<void> {
    const file = this.#files.get(cid);
    if (!file) return;
    file.open = Math.max(0, file.open - 1);
    if (good || file.vouched) return this.matched(cid);
    if (file.open > 0 || !file.pinned || file.released) return;
    file.released = true;
    file.pinned = false;
    try {
      await this.#store.unpin(cid);
      this.#log(`unpinned ${cid}: the file peers sent for it is not the content its record claims (a digest check failed), so it is not kept`);
    } catch (error) {
      this.#log(`could not unpin ${cid}, which failed its digest check (${(error as Error).message})`);
    }
  }

  #track(cid: string, file: TrackedFile): void {
    this.#files.delete(cid);
    this.#files.set(cid, file);
    for (const oldest of this.#files.keys()) {
      if (this.#files.size <= MAX_TRACKED_FILES) break;
      this.#files.delete(oldest);
    }
  }
}
