// A UnixFS file's blocks fetched from peers, each checked against its CID before it is used, in
// depth-first order: the root, then each link's subtree in turn, so the file's bytes can go on to
// a client as they arrive. What is still to come is known at every step (the links of the nodes
// received so far), so when a peer fails mid-way (wrong bytes, a cut or stalled CAR, another
// order, gone), the next peer is asked for the rest and nothing is fetched twice: for the file
// from that byte on (entity-bytes), since a gateway that has served nothing of the file yet knows
// its recorded root but not the blocks below it, and passes over the nodes on the way down.
// A block that recurs in the file (identical chunks: runs of zeros) is sent once by a CAR with
// `dups=n`, as this registry's own trustless gateway sends them; it is taken from the copy kept
// when it first came, or, past that memory bound, asked for alone.
// A walk may also start at a byte of the file (a reader that continues on its own from where it
// was): the subtrees wholly before it are passed over by the sizes their parents give them, and
// the first peer is asked for the file from that byte on, as after a failure.
import { createHash } from 'node:crypto';
import type { CID } from 'multiformats/cid';
import { BlobNotFoundError, BlobStoreError } from '../../ipfs';
import type { IpfsModules } from '../../ipfs/esm';
import { decodeFileNode, type FileNode, fileSize } from '../../ipfs/file-node';
import { type BusyTurn, type PeerBlock, PeerBusyError, type PeerClient, PeerError, type PeerFailure } from './peer-client';
import { SeenBlocks } from './seen-blocks';
import { DEFAULT_SLOW_PEER_RULE, type SlowPeerRule } from './slow-peers';
import { StallWatch } from './stall-watch';

export interface VerifiedFileBlock {
  readonly cid: CID;
  readonly bytes: Uint8Array;
  /** The file's bytes this block holds (a raw leaf's bytes, a node's inline data), in file order. */
  readonly data?: Uint8Array;
  /** Where `data` starts in the file. */
  readonly at: number;
}

export interface PeerLog {
  (line: string): void;
}

/** What the peers did, for metrics: bytes of blocks that matched their CIDs, and each time a peer was passed over. */
export interface PeerObserver {
  received(peer: PeerClient, bytes: number): void;
  failed(peer: PeerClient, reason: PeerFailure): void;
}

/** A block's order was not the one the DAG gives (depth-first). */
class OutOfOrderError extends Error {}

/**
 * A block that is the one its CID names, but not part of a UnixFS file (a directory, dag-pb
 * without UnixFS data), or a file whose blocks hold more than its root says: the recorded content
 * is not a file, whichever peer sends it, so no other peer is asked.
 */
export class NotAFileError extends BlobStoreError {
  override readonly name = 'NotAFileError';
}

function failureOf(error: unknown): PeerFailure {
  if (error instanceof PeerError) return error.reason;
  return error instanceof OutOfOrderError ? 'out_of_order' : 'other';
}

/** The length of a whole sha2-256 digest: a CID naming a shorter (truncated) one is not checked here. */
const SHA256_BYTES = 32;

/**
 * Whether `bytes` are the ones `cid` names (sha2-256 CIDs of the full digest only: others cannot
 * be checked here). The digest is compared as bytes with the one the CID holds, the codec and
 * version being the CID's own: a CID built of the hash for every block, only to be compared, was
 * a few objects more per block for the collector on a pull's busiest path.
 */
export function isBlockOf(m: IpfsModules, cid: CID, bytes: Uint8Array): boolean {
  const multihash = cid.multihash;
  if (multihash.code !== m.sha256.code || multihash.size !== SHA256_BYTES || multihash.digest.byteLength !== SHA256_BYTES) return false;
  return createHash('sha256').update(bytes).digest().equals(multihash.digest);
}

/**
 * How a peer's request of a fetch meets a busy answer: with another peer to ask, it is passed over
 * at once (the next peer may answer now, where waiting out this one costs up to MAX_BUSY_TOTAL_MS),
 * and asked again after the others with `after`, its wait then counted against the same bounds;
 * the only peer is waited out as it answers. A wait is counted as the peer's busy answer.
 */
function busyTurn(peer: PeerClient, peers: readonly PeerClient[], after: PeerBusyError | undefined, observer: PeerObserver | undefined): BusyTurn {
  return { passOver: peers.length > 1 && !after, after, waiting: () => observer?.failed(peer, 'busy') };
}

/**
 * One block, from the first of `peers` (starting at `first`) that has it and sends its bytes;
 * otherwise what each peer did, for the error. A peer that answers busy is asked again after the
 * others, once its Retry-After is over, and only if none of them sent the block.
 */
export async function blockFromPeers(m: IpfsModules, cid: CID, peers: readonly PeerClient[], options: { first?: number; signal?: AbortSignal; observer?: PeerObserver } = {}): Promise<{ bytes?: Uint8Array; failures: string[] }> {
  const failures: string[] = [];
  const observer = options.observer;
  const inTurn = peers.map((_, tried) => peers[((options.first ?? 0) + tried) % peers.length]);
  // A peer still busy from another fetch comes after the rest.
  const turns = [...inTurn.filter((peer) => !peer.busyNow), ...inTurn.filter((peer) => peer.busyNow)];
  const busy = new Map<PeerClient, PeerBusyError>();
  for (let turn = 0; turn < turns.length; turn++) {
    const peer = turns[turn];
    const after = busy.get(peer);
    try {
      const bytes = await peer.block(cid, options.signal, busyTurn(peer, peers, after, observer));
      if (!bytes) {
        failures.push(`${peer.url} does not have it`);
        observer?.failed(peer, 'not_found');
      } else if (isBlockOf(m, cid, bytes)) {
        observer?.received(peer, bytes.byteLength);
        return { bytes, failures };
      } else {
        failures.push(`${peer.url} sent other bytes`);
        observer?.failed(peer, 'wrong_bytes');
      }
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof PeerBusyError && !after) {
        busy.set(peer, error);
        turns.push(peer);
        observer?.failed(peer, 'busy');
        continue;
      }
      failures.push((error as Error).message);
      observer?.failed(peer, failureOf(error));
    }
  }
  return { failures };
}

/** A block taken from the copy kept when it first came, or fetched alone: not one the CAR sent here. */
interface RecalledBlock extends PeerBlock {
  readonly recalled: true;
}

/** Nodes a CAR of a file from a byte on may send before that byte's block: the DAG's depth at most. */
const NODES_ABOVE_A_BYTE = 64;

/**
 * Blocks in a row that may hold none of the file's bytes: the nodes on the way down to the next
 * leaf, a few per level of the DAG. A DAG of nodes that only link nodes without bytes, each
 * linking the last a thousand times over, would otherwise cost a walk of a thousand to the
 * power of its depth (each repeat taken from memory, so no peer's pace would end it), for a file
 * whose root says it is empty.
 */
const MAX_BLOCKS_WITHOUT_BYTES = NODES_ABOVE_A_BYTE;

/** An abort of `attempt` whenever `outer` aborts; returns the listener's removal. */
function abortWith(outer: AbortSignal | undefined, attempt: AbortController): () => void {
  if (!outer) return () => undefined;
  const abort = () => attempt.abort(outer.reason);
  if (outer.aborted) abort();
  outer.addEventListener('abort', abort, { once: true });
  return () => outer.removeEventListener('abort', abort);
}

/**
 * The blocks of the file `root`, verified, depth-first. Peers are asked in order, starting with
 * the one that last served; BlobNotFoundError (naming why each failed) when none has a block.
 * A peer that answers busy is asked after the others, until its Retry-After is over, and waited
 * for only when none of them serves.
 * A peer slower than `slow` (slow-peers.ts) is passed over while another has not been found slow.
 * With `from`, the walk leaves out the subtrees that lie wholly before that byte (the root and
 * the nodes on the way down still come): the first block with data may start before it.
 */
export async function* verifiedFile(m: IpfsModules, root: CID, peers: readonly PeerClient[], log: PeerLog, signal?: AbortSignal, observer?: PeerObserver, slow: SlowPeerRule = DEFAULT_SLOW_PEER_RULE, from = 0): AsyncGenerator<VerifiedFileBlock> {
  const slowHere = new Set<PeerClient>();
  /** Peers that answered busy in this walk and whose wait is not over yet, with that answer. */
  const busyHere = new Map<PeerClient, PeerBusyError>();
  const pending: CID[] = [root];
  const seen = new SeenBlocks();
  let current = 0;
  /** The file's bytes verified so far, and its size once the root came. */
  let position = 0;
  let size: number | undefined;
  /** Blocks since the last that held some of the file's bytes. */
  let barren = 0;
  /** A recurring block: the kept copy, or the block asked for alone from the peers in turn. */
  // Recalled blocks are marked: they did not come in the CAR (blockFromPeers counts the ones it fetches).
  const recall = async (cid: CID): Promise<RecalledBlock> => {
    const kept = seen.bytes(cid);
    if (kept) return { cid, bytes: kept, recalled: true };
    const { bytes, failures } = await blockFromPeers(m, cid, peers, { first: current, signal, observer });
    if (bytes) return { cid, bytes, recalled: true };
    throw new PeerError(peers[current].url, `did not send block ${cid} again where it recurs, and no peer sent it alone (${failures.join('; ')})`, 'missing_block');
  };
  while (pending.length > 0) {
    const failures: string[] = [];
    let progressed = false;
    const now = performance.now();
    for (const [peer, busy] of busyHere) if (busy.askAgainAt <= now) busyHere.delete(peer);
    const inTurn = peers.map((_, tried) => peers[(current + tried) % peers.length]);
    // A peer still busy (in this walk, or in another fetch) comes after the rest; one that answers
    // busy now joins it (turns grows).
    const later = (peer: PeerClient) => busyHere.has(peer) || peer.busyNow;
    const turns = [...inTurn.filter((peer) => !later(peer)), ...inTurn.filter(later)];
    for (let turn = 0; turn < turns.length && !progressed; turn++) {
      const peer = turns[turn];
      const index = peers.indexOf(peer);
      // Reached, this turn follows every other peer's failure in this round: a busy peer is waited for.
      const after = busyHere.get(peer);
      busyHere.delete(peer);
      const top = pending[pending.length - 1];
      // The rest of the file from where the last peer stopped; a subtree alone when the bytes
      // left are none (nodes without data), which a byte range cannot name.
      const resume = (top !== root && size !== undefined && position < size) || (top === root && from > 0);
      const depth = resume ? 0 : pending.length - 1;
      // This peer's request ends when the download does, or when the peer is found slow.
      const attempt = new AbortController();
      const unlink = abortWith(signal, attempt);
      // With one peer there is no other to ask: its pace is not watched.
      const pace =
        peers.length < 2
          ? undefined
          : new StallWatch(
              slow.windowMs,
              () => {
                // The last peer not found slow is read at its pace: it is the best there is.
                if (!peers.some((other) => other !== peer && !slowHere.has(other))) return pace?.awaitBody();
                slowHere.add(peer);
                attempt.abort(new PeerError(peer.url, `sent less than ${slow.minBytes / 1024} KiB of ${root} in ${slow.windowMs} ms, slower than another peer may be`, 'slow'));
              },
              slow.minBytes,
            );
      pace?.awaitBody();
      try {
        // Time queued for a CAR slot or waiting out a busy peer is not the peer's pace (`pace`).
        const blocks = seen.has(top) ? (async function* () {})() : await peer.car(resume ? root : top, attempt.signal, { from: resume ? (top === root ? from : position) : undefined, pace, busy: busyTurn(peer, peers, after, observer) });
        if (!blocks) {
          failures.push(`${peer.url} does not have ${top}`);
          observer?.failed(peer, 'not_found');
          continue;
        }
        for await (const block of subtreeOf(blocks, pending, depth, seen, recall, resume)) {
          // Checking the block, and the client downstream taking it, is not the peer's time.
          pace?.pause();
          if (!isBlockOf(m, block.cid, block.bytes)) throw new PeerError(peer.url, `sent bytes for ${block.cid} that are not that block`, 'wrong_bytes');
          if (!(block as RecalledBlock).recalled) {
            observer?.received(peer, block.bytes.byteLength);
            pace?.progress(block.bytes.byteLength);
          }
          // Decoded before it leaves `pending`: a block that is not part of a file ends the
          // download, rather than leaving its subtree out as if a peer had failed.
          const node = fileNodeOf(m, root, block.cid, block.bytes);
          pending.pop();
          seen.add(block.cid, block.bytes);
          progressed = true;
          current = index;
          const data = node.kind === 'raw' ? node.bytes : node.data;
          if (block.cid.toV1().equals(root.toV1())) size = fileSize(node);
          const at = position;
          position += data?.byteLength ?? 0;
          if (node.kind === 'file') {
            const passedOver = position < from ? linksBefore(node, from - position) : { count: 0, bytes: 0 };
            position += passedOver.bytes;
            for (let i = node.links.length - 1; i >= passedOver.count; i--) pending.push(node.links[i].cid);
          }
          if (size !== undefined && position > size) throw new NotAFileError(`the blocks of ${root} hold more than the ${size} bytes its root says the file has`);
          barren = data?.byteLength ? 0 : barren + 1;
          if (barren > MAX_BLOCKS_WITHOUT_BYTES) throw new NotAFileError(`${barren} blocks of ${root} in a row hold none of the file's bytes; no importer writes a file so, and walking it could take without end`);
          yield { cid: block.cid, bytes: block.bytes, data, at };
          pace?.resume();
        }
        if (pending.length > depth) throw new PeerError(peer.url, `ended the CAR of ${top} before its last block`, 'cut_short');
      } catch (caught) {
        if (signal?.aborted || caught instanceof NotAFileError) throw caught;
        // Given up on as slow: the request's own failure (an abort) is not what happened.
        const error = attempt.signal.aborted ? attempt.signal.reason : caught;
        if (error instanceof PeerBusyError && !after) {
          busyHere.set(peer, error);
          turns.push(peer);
          observer?.failed(peer, 'busy');
          log(`${error.message}; asking the other peers for ${top} first`);
          continue;
        }
        const reason = error instanceof PeerError ? error.message : `peer ${peer.url}: ${(error as Error).message}`;
        failures.push(reason);
        observer?.failed(peer, failureOf(error));
        log(`${reason}; asking ${peers.length > 1 ? 'the next peer' : 'it again'} for what is left of ${root}`);
        if (progressed) {
          // What was verified stays; the next peer is asked for the rest.
          current = (index + 1) % peers.length;
          break;
        }
      } finally {
        pace?.stop();
        unlink();
        // A CAR left unread (its walk ended before it began) lets go of its connection and slot.
        attempt.abort(new Error('this peer\'s turn is over'));
      }
    }
    if (!progressed) {
      throw new BlobNotFoundError(root.toString(), `no peer could send block ${pending[pending.length - 1]} of ${root}: ${failures.join('; ') || 'no peers are configured'}`);
    }
  }
  if (size !== undefined && position !== size) throw new NotAFileError(`the blocks of ${root} hold ${position} bytes where its root says the file has ${size}`);
}

/**
 * How many of a node's first links lie wholly within the next `bytes` of the file, and the bytes
 * they hold, by the sizes the node gives them (as a peer answering entity-bytes reads them too).
 * Sizes that lie put the walk at another byte than the one asked for: the bytes then fail the
 * digest check of the read, as any other wrong bytes do.
 */
function linksBefore(node: Extract<FileNode, { kind: 'file' }>, bytes: number): { count: number; bytes: number } {
  let count = 0;
  let passed = 0;
  while (count < node.links.length && passed + node.links[count].size <= bytes) passed += node.links[count++].size;
  return { count, bytes: passed };
}

function fileNodeOf(m: IpfsModules, root: CID, cid: CID, bytes: Uint8Array): FileNode {
  try {
    return decodeFileNode(m, cid, bytes);
  } catch (error) {
    throw new NotAFileError(`block ${cid} of ${root} is not part of a UnixFS file (${(error as Error).message})`);
  }
}

/**
 * The blocks of a peer's CAR while they are the ones expected next (the top of `pending`) and
 * the subtree the CAR was asked for is not finished (`pending` above `depth`). A block expected
 * next that came before is recalled rather than waited for (the CAR may leave repeats out), and
 * a repeat the CAR does send is passed over. Any other block (another order) ends it as a
 * failure of this peer.
 */
async function* subtreeOf(blocks: AsyncIterable<PeerBlock>, pending: CID[], depth: number, seen: SeenBlocks, recall: (cid: CID) => Promise<RecalledBlock>, resumed = false): AsyncGenerator<PeerBlock | RecalledBlock> {
  // A CAR of the file from a byte on starts with the nodes above that byte, all verified before
  // (a few: one per level of the DAG; more is a peer stalling with bytes).
  let before = resumed;
  let above = 0;
  // A peer that repeats blocks sends one copy per recurrence at most: more is a peer stalling
  // with bytes, and ends its turn.
  let recalled = 0;
  let passedOver = 0;
  async function* repeats(): AsyncGenerator<RecalledBlock> {
    while (pending.length > depth && seen.has(pending[pending.length - 1])) {
      recalled++;
      yield recall(pending[pending.length - 1]);
    }
  }
  yield* repeats();
  for await (const block of blocks) {
    if (pending.length <= depth) return;
    const expected = pending[pending.length - 1];
    if (before && !block.cid.toV1().equals(expected.toV1()) && seen.has(block.cid) && ++above <= NODES_ABOVE_A_BYTE) continue;
    before = false;
    if (block.cid.toV1().equals(expected.toV1())) yield block;
    else if (seen.has(block.cid) && ++passedOver <= recalled) continue;
    else throw new OutOfOrderError(`sent ${block.cid} where ${expected} comes next depth-first`);
    yield* repeats();
  }
}
