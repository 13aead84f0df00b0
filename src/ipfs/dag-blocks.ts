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
 * The blocks of the file `root` depth-first, root first; with `range`, only those needed for
 * its bytes (and the nodes above them). BlobNotFoundError when the root is missing, and from the
 * iterator when a block under it is.
 */
export async function* dagBlocks(m: IpfsModules, root: CID, read: BlockReader, range?: ByteRange): AsyncGenerator<DagBlock & { node: FileNode }> {
  const bytes = await read(root, { offset: 0, size: Number.MAX_SAFE_INTEGER });
  if (!bytes) throw new BlobNotFoundError(root.toString(), `blob ${root} is not in this store`);
  const node = decodeFileNode(m, root, bytes);
  yield* visit(m, root, root, bytes, node, 0, range ?? { start: 0, end: fileSize(node) }, read);
}

async function* visit(m: IpfsModules, root: CID, cid: CID, bytes: Uint8Array, node: FileNode, at: number, range: ByteRange, read: BlockReader): AsyncGenerator<DagBlock & { node: FileNode }> {
  yield { cid, bytes, node };
  if (node.kind !== 'file') return;
  let position = at + (node.data?.byteLength ?? 0);
  const wanted: { cid: CID; place: BlockPlace }[] = [];
  for (const link of node.links) {
    if (position >= range.end) break;
    if (position + link.size > range.start) wanted.push({ cid: link.cid, place: { offset: position, size: link.size } });
    position += link.size;
  }
  const reads: (Promise<Uint8Array | undefined> | undefined)[] = [];
  let requested = 0;
  for (let i = 0; i < wanted.length; i++) {
    for (; requested < wanted.length && requested <= i + READ_AHEAD; requested++) {
      const next = read(wanted[requested].cid, wanted[requested].place);
      // Errors surface when this read is awaited; an early stop must not leave them unhandled.
      next.catch(() => undefined);
      reads[requested] = next;
    }
    const child = await reads[i];
    reads[i] = undefined;
    if (!child) throw new BlobNotFoundError(root.toString(), `blob ${root} is incomplete here: block ${wanted[i].cid} is missing`);
    yield* visit(m, root, wanted[i].cid, child, decodeFileNode(m, wanted[i].cid, child), wanted[i].place.offset, range, read);
  }
}
