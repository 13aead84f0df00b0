// A UnixFS file's blocks in depth-first order: the root, then each link's subtree in turn, so the
// raw leaves come in file order. This is the order a CAR with `order=dfs` carries (the IPFS
// trustless gateway's), and what lets a reader stream a file while its blocks arrive. With a
// byte range, only the blocks on the way to the range's bytes are visited. Siblings are read a
// few ahead of the consumer and no more, so memory stays bounded whatever the file size.
import type { CID } from 'multiformats/cid';
import { BlobNotFoundError } from './errors';
import type { IpfsModules } from './esm';
import { decodeFileNode, fileSize, type FileNode } from './file-node';
import type { ByteRange } from './streams';

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
}

/**
 * The blocks of the file `root` depth-first, root first; with `range`, only those needed for
 * its bytes (and the nodes above them). BlobNotFoundError when the root is missing, and from the
 * iterator when a block under it is.
 */
export async function* dagBlocks(m: IpfsModules, root: CID, read: BlockReader, range?: ByteRange, options: DagWalkOptions = {}): AsyncGenerator<DagBlock & { node: FileNode }> {
  const bytes = await read(root, { offset: 0, size: Number.MAX_SAFE_INTEGER });
  if (!bytes) throw new BlobNotFoundError(root.toString(), `blob ${root} is not in this store`);
  const node = decodeFileNode(m, root, bytes);
  const walk: Walk = { m, root, read, range: range ?? { start: 0, end: fileSize(node) }, whole: options.once ? new Set() : undefined };
  yield* visit(walk, root, bytes, node, 0);
}

interface Walk {
  readonly m: IpfsModules;
  readonly root: CID;
  readonly read: BlockReader;
  readonly range: ByteRange;
  /** With `once`: the subtrees walked whole so far. */
  readonly whole?: Set<string>;
}

/** Yields the subtree of `cid`; returns whether every block under it was visited (or had been, whole, before). */
async function* visit(walk: Walk, cid: CID, bytes: Uint8Array, node: FileNode, at: number): AsyncGenerator<DagBlock & { node: FileNode }, boolean> {
  const { m, root, read, range, whole } = walk;
  yield { cid, bytes, node };
  if (node.kind !== 'file') return true;
  let complete = true;
  let position = at + (node.data?.byteLength ?? 0);
  const wanted: { cid: CID; place: BlockPlace }[] = [];
  for (const link of node.links) {
    if (position < range.end && position + link.size > range.start) wanted.push({ cid: link.cid, place: { offset: position, size: link.size } });
    else complete = false;
    position += link.size;
  }
  const done = (i: number) => whole?.has(wanted[i].cid.toString()) ?? false;
  const reads: (Promise<Uint8Array | undefined> | undefined)[] = [];
  let requested = 0;
  for (let i = 0; i < wanted.length; i++) {
    for (; requested < wanted.length && requested <= i + READ_AHEAD; requested++) {
      if (done(requested)) continue;
      const next = read(wanted[requested].cid, wanted[requested].place);
      // Errors surface when this read is awaited; an early stop must not leave them unhandled.
      next.catch(() => undefined);
      reads[requested] = next;
    }
    const next = reads[i];
    reads[i] = undefined;
    // Checked again here: an earlier sibling may have been the same subtree, walked whole since
    // this read was asked for.
    if (done(i)) continue;
    const child = await next;
    if (!child) throw new BlobNotFoundError(root.toString(), `blob ${root} is incomplete here: block ${wanted[i].cid} is missing`);
    if (!(yield* visit(walk, wanted[i].cid, child, decodeFileNode(m, wanted[i].cid, child), wanted[i].place.offset))) complete = false;
  }
  if (complete) whole?.add(cid.toString());
  return complete;
}
