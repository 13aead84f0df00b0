// One fetch of a whole file from peers: its verified blocks are written into the local store (which
// pins the file once the last one is in) while the file's bytes go on, in order, to whoever reads
// them: one read, or several sharing the fetch (shared-fetch.ts). Each read carries a ticket
// (fetched-pins.ts), and every ticket of the fetch is told whether the store kept the file, so
// that each read's digest check settles what the fetch pinned.
import type { CID } from 'multiformats/cid';
import { BlobNotFoundError, type BlobStore } from '../../ipfs';
import type { DagBlock } from '../../ipfs/blob-store';
import type { IpfsModules } from '../../ipfs/esm';
import { decodeFileNode, fileSize } from '../../ipfs/file-node';
import { BlockChannel } from './block-channel';
import type { FetchTicket } from './fetched-pins';
import type { PeerLog, VerifiedFileBlock } from './verified-dag';

export interface StoredFetch {
  /** The file's size, as its root block (verified) gives it. */
  readonly size: number;
  /** The file's bytes in order. Ending the iteration before the end abandons the store's write. */
  readonly bytes: AsyncGenerator<Uint8Array>;
  /** A read of this fetch's bytes: its ticket is told whether the store kept the file. */
  follow(ticket: FetchTicket): void;
  /** Stops the fetch, whether or not its bytes were read yet: nothing it stored stays pinned. */
  cancel(): Promise<void>;
}

/**
 * Starts storing the file whose verified blocks `blocks` yields. Resolves once the root block
 * has arrived (so a file no peer has rejects here, before any response is started).
 */
export async function storedFetch(store: BlobStore, log: PeerLog, m: IpfsModules, cid: string, root: CID, blocks: AsyncIterator<VerifiedFileBlock>): Promise<StoredFetch> {
  const first = await blocks.next();
  if (first.done) throw new BlobNotFoundError(cid, `no peer sent ${cid}`);
  const size = fileSize(decodeFileNode(m, root, first.value.bytes));
  const channel = new BlockChannel();
  const outcome = new StoreOutcome();
  // Once the store stops taking blocks (it failed: a full disk, a restarted IPFS node), the
  // file still goes to its readers, verified, and is just not kept: a push into a channel no one
  // reads would wait for ever.
  let keeping = true;
  const stopKeeping = () => {
    keeping = false;
    channel.fail(new Error('the store stopped taking blocks'));
  };
  const storing = store.putBlocks(cid, channel).then(
    async () => {
      stopKeeping();
      log(`fetched ${cid} (${size} bytes) from peers and pinned it`);
      await outcome.settle(true);
    },
    async (error: Error) => {
      stopKeeping();
      await outcome.settle(false);
      log(`${cid} from peers was not kept (${error.message}); it is still sent to the client`);
    },
  );
  const keep = async (block: DagBlock) => {
    if (!keeping) return;
    try {
      await channel.push(block);
    } catch (error) {
      if (keeping) throw error;
    }
  };
  const abandon = async () => {
    channel.fail(new Error('the download stopped before the whole file arrived'));
    await blocks.return?.(undefined).catch(() => undefined);
  };
  let started = false;
  async function* bytes(): AsyncGenerator<Uint8Array> {
    started = true;
    let complete = false;
    try {
      for (let next: IteratorResult<VerifiedFileBlock> = first; !next.done; next = await blocks.next()) {
        await keep({ cid: next.value.cid, bytes: next.value.bytes });
        if (next.value.data) yield next.value.data;
      }
      complete = true;
    } finally {
      if (complete) channel.close();
      else await abandon();
      await storing;
    }
  }
  const generator = bytes();
  return {
    size,
    bytes: generator,
    follow: (ticket) => outcome.follow(ticket),
    cancel: async () => {
      // A generator never started runs no `finally` when returned: the write is abandoned here.
      if (!started) {
        await generator.return(undefined);
        await abandon();
        await storing;
        return;
      }
      await generator.return(undefined).catch(() => undefined);
    },
  };
}

/** Whether the store kept the file, told to every ticket: those that follow after it is known, at once. */
class StoreOutcome {
  readonly #tickets: FetchTicket[] = [];
  #kept: boolean | undefined;

  follow(ticket: FetchTicket): void {
    if (this.#kept === undefined) this.#tickets.push(ticket);
    else void ticket.stored(this.#kept).catch(() => undefined);
  }

  async settle(kept: boolean): Promise<void> {
    this.#kept = kept;
    const tickets = this.#tickets.splice(0);
    await Promise.all(tickets.map((ticket) => ticket.stored(kept)));
  }
}
