// A UnixFS file's blocks in depth-first order: the root, then each link's subtree in turn, so the
// raw leaves come in file order. This is the order a CAR with `order=dfs` carries (the IPFS
// trustless gateway's), and what lets a reader stream a file while its blocks arrive. With a
// byte range, only the blocks on the way to the range's bytes are visited. Siblings are read a
// few ahead of the consumer and no more, so memory stays bounded whatever the file size.
// The walk keeps its levels on an explicit stack: a generator nested per level (yield*) made each
// block cost one resumption per level above it, so a chain thousands of levels deep (anyone can
// record one) cost work growing with the square of its depth, and overflowed the call stack.
import type { CID } from 'multiformats/cid';
import { untilAborted } from './abortable-read';
import { MAX_DAG_DEPTH } from './dag-depth';
import { BlobNotFoundError, InvalidCidError } from './errors';
import type { IpfsModules } from './esm';
import { decodeFileNode, fileSize, type FileNode } from './file-node';
import type { ByteRange } from './streams';

export { MAX_DAG_DEPTH } from './dag-depth';

export interface DagBlock {
  readonly cid: CID;
  readonly bytes: Uint8Array;
}

/** Where a block's bytes lie in the file: lets a store read a raw leaf from a file of leaves. */
export interface BlockPlace {
  readonly offset: number;
  readonly size: number;
}

/** Reads one block; undefined when the store does not have it. */
export type BlockReader = (cid: CID, place: BlockPlace) => Promise<Uint8Array | undefined>;

/** Sibling blocks read ahead of the consumer: 8 × 256 KiB leaves at most per level. */
const READ_AHEAD = 8;

/**
 * What a walk leaves out. `once`: a subtree walked whole before (every block under it visited,
 * none cut off by the range) is not walked again, so repeated subtrees (what `ipfs add` gives
 * for runs of zeros, or a crafted DAG linking one node many times) cost what their distinct
 * blocks cost, not what the file claims to be: for a CAR that carries each block once. A reader
 * of the file's bytes needs every position, and leaves it off.
 */
export interface DagWalkOptions {
  readonly once?: boolean;
  /** Levels below the root walked at most (default MAX_DAG_DEPTH); deeper, DagTooDeepError. */
  readonly maxDepth?: number;
  /** Ends the walk, even while it waits on a read (the read itself is left to end on its own). */
  readonly signal?: AbortSignal;
}

/**
 * A DAG deeper than any file imported here: refused as content that is no servable file (an
 * InvalidCidError, which a reader of a digest's candidates passes over for the next one).
 */
export class DagTooDeepError extends InvalidCidError {
  constructor(root: CID, maxDepth: number, at: CID) {
    super(root.toString(), `its DAG is more than ${maxDepth} levels deep (block ${at} links further down); no file this registry imports is, so it is not walked`);
  }
}

/** A block as the walk yields it: its node decoded, and the offset of its bytes within the file. */
export type WalkedBlock = DagBlock & { readonly node: FileNode; readonly at: number };

/** One level of the walk: a file node whose wanted links are visited in turn. */
interface Level {
  readonly cid: CID;
  readonly wanted: readonly { readonly cid: CID; readonly place: BlockPlace }[];
  /** Reads asked for, by index in `wanted`, not yet taken. */
  readonly reads: (Promise<Uint8Array | undefined> | undefined)[];
  requested: number;
  next: number;
  /** Whether every block under it was visited (no link cut off by the range, none incomplete). */
  complete: boolean;
}

/**
 * The blocks of the file `root` depth-first, root first; with `range`, only those needed for
 * its bytes (and the nodes above them). BlobNotFoundError when the root is missing, and from the
 * iterator when a block under it is; DagTooDeepError past `maxDepth` levels; the signal's reason
 * once it aborts.
 */
export async function* dagBlocks(m: IpfsModules, root: CID, read: BlockReader, range?: ByteRange, options: DagWalkOptions = {}): AsyncGenerator<WalkedBlock> {
  const { signal } = options;
  const maxDepth = options.maxDepth ?? MAX_DAG_DEPTH;
  const rootBytes = await untilAborted(read(root, { offset: 0, size: Number.MAX_SAFE_INTEGER }), signal);
  if (!rootBytes) throw new BlobNotFoundError(root.toString(), `blob ${root} is not in this store`);
  const rootNode = decodeFileNode(m, root, rootBytes);
  const wholeRange = range ?? { start: 0, end: fileSize(rootNode) };
  /** With `once`: the subtrees walked whole so far. */
  const whole = options.once ? new Set<string>() : undefined;
  const stack: Level[] = [];
  /** Enters a node just yielded: its links within the range become the next level down. */
  const enter = (cid: CID, node: FileNode, at: number): void => {
    if (node.kind !== 'file') return;
    const wanted: { cid: CID; place: BlockPlace }[] = [];
    let complete = true;
    let position = at + (node.data?.byteLength ?? 0);
    for (const link of node.links) {
      if (position < wholeRange.end && position + link.size > wholeRange.start) wanted.push({ cid: link.cid, place: { offset: position, size: link.size } });
      else complete = false;
      position += link.size;
    }
    // The level about to be entered is stack.length; its links lie one further down.
    if (wanted.length > 0 && stack.length + 1 > maxDepth) throw new DagTooDeepError(root, maxDepth, cid);
    stack.push({ cid, wanted, reads: [], requested: 0, next: 0, complete });
  };
  const done = (cid: CID) => whole?.has(cid.toString()) ?? false;

  yield { cid: root, bytes: rootBytes, node: rootNode, at: 0 };
  enter(root, rootNode, 0);
  while (stack.length > 0) {
    const level = stack[stack.length - 1];
    if (level.next >= level.wanted.length) {
      stack.pop();
      if (level.complete) whole?.add(level.cid.toString());
      else if (stack.length > 0) stack[stack.length - 1].complete = false;
      continue;
    }
    const i = level.next++;
    for (; level.requested < level.wanted.length && level.requested <= i + READ_AHEAD; level.requested++) {
      const link = level.wanted[level.requested];
      if (done(link.cid)) continue;
      const pending = read(link.cid, link.place);
      // Errors surface when this read is awaited; an early stop must not leave them unhandled.
      pending.catch(() => undefined);
      level.reads[level.requested] = pending;
    }
    const pending = level.reads[i];
    level.reads[i] = undefined;
    const { cid, place } = level.wanted[i];
    // Checked again here: an earlier sibling may have been the same subtree, walked whole since
    // this read was asked for.
    if (done(cid)) continue;
    const bytes = await untilAborted(pending!, signal);
    if (!bytes) throw new BlobNotFoundError(root.toString(), `blob ${root} is incomplete here: block ${cid} is missing`);
    const node = decodeFileNode(m, cid, bytes);
    yield { cid, bytes, node, at: place.offset };
    enter(cid, node, place.offset);
  }
}
