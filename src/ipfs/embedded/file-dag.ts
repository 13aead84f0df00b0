// Reads UnixFS files block by block from the local blockstore, or straight from the file that
// holds a file's leaves when there is one (leaf-files.ts).
// ipfs-unixfs-exporter (behind @helia/unixfs `cat`) walks the DAG ahead of its reader into an
// unbounded queue, so a slow HTTP client makes it hold the whole file in memory. This reader
// pulls: it reads a few blocks ahead of the consumer and no more, whatever the file size.
import type { FileHandle } from 'node:fs/promises';
import type { CID } from 'multiformats/cid';
import type { FsBlockstore } from 'blockstore-fs';
import { readAt } from '../../file-io/read-at';
import { BlobNotFoundError } from '../errors';
import type { IpfsModules } from '../esm';
import type { ByteRange } from '../streams';
import { type BlockPlace, type DagBlock, dagBlocks, type DagWalkOptions } from '../dag-blocks';
import { decodeFileNode, type FileNode } from '../file-node';
import type { LeafFiles } from './leaf-files';
import { cidText } from '../cid';

export type { FileNode } from '../file-node';

/** Read size from a leaf file: one UnixFS chunk. */
const LEAF_FILE_READ_BYTES = 256 * 1024;

/** Raw leaves whose place in a file of leaves the store has learnt (a bound on memory). */
const MAX_PLACES = 200_000;

export class FileDag {
  readonly #m: IpfsModules;
  readonly #blocks: FsBlockstore;
  readonly #location: string;
  readonly #leaves: LeafFiles;
  /** Raw leaf CID → where its bytes lie in its root's file of leaves, learnt from the nodes above it. */
  readonly #places = new Map<string, { readonly root: string; readonly offset: number; readonly size: number }>();

  constructor(modules: IpfsModules, blocks: FsBlockstore, location: string, leaves: LeafFiles) {
    this.#m = modules;
    this.#blocks = blocks;
    this.#location = location;
    this.#leaves = leaves;
  }

  /** The root of a file; BlobNotFoundError when its block is not here. */
  async root(cid: CID): Promise<FileNode> {
    const node = await this.#node(cid);
    if (!node) {
      throw new BlobNotFoundError(cid.toString(), `blob ${cid} is not in the embedded IPFS store at ${this.#location}; add it first`);
    }
    return node;
  }

  static size(node: FileNode): number {
    return node.kind === 'raw' ? node.bytes.byteLength : node.fileSize;
  }

  /** Kubo's CumulativeSize: every block of the DAG, as recorded in the links. */
  static cumulativeSize(node: FileNode): number {
    if (node.kind === 'raw') return node.bytes.byteLength;
    return node.links.reduce((sum, link) => sum + link.tsize, node.block.byteLength);
  }

  /** The file holding exactly the bytes of the file with this root, open, when there is one. */
  openLeafFile(root: CID, node: FileNode): Promise<FileHandle | undefined> {
    return node.kind === 'file' ? this.#leaves.open(cidText(root), node.fileSize) : Promise.resolve(undefined);
  }

  /** The bytes of `range` (within the file), in order, reading a few blocks ahead (dagBlocks) and no more. */
  async *read(root: CID, node: FileNode, range: ByteRange): AsyncGenerator<Uint8Array> {
    if (range.end <= range.start) return;
    const file = await this.openLeafFile(root, node);
    if (!file) {
      yield* this.#walk(root, node, range);
      return;
    }
    try {
      yield* file.createReadStream({ start: range.start, end: range.end - 1, autoClose: false, highWaterMark: LEAF_FILE_READ_BYTES });
    } finally {
      await file.close();
    }
  }

  /**
   * One block: from the blockstore, or a raw leaf from its file of leaves when a node above it
   * was read before (the way every walk from a root goes). Undefined when it is not here.
   */
  async block(cid: CID): Promise<Uint8Array | undefined> {
    const stored = await this.#block(cid);
    if (stored) {
      if (cid.code !== this.#m.raw.code) await this.#learnPlaces(cid, stored);
      return stored;
    }
    const place = this.#places.get(cid.toString());
    if (!place || cid.code !== this.#m.raw.code) return undefined;
    const bytes = await this.#leaves.readAt(place.root, place.offset, place.size);
    // The file could have been replaced; a leaf is only ever what its CID says.
    if (!bytes || !this.#m.CID.createV1(this.#m.raw.code, await this.#m.sha256.digest(bytes)).equals(cid)) return undefined;
    return bytes;
  }

  /**
   * The blocks under `root` depth-first (root first, leaves in order). `root` may be a file's
   * root, whose leaves are read from its leaf file when it has one, or any block under one (a
   * peer asking for the rest of a file), found as block() finds it.
   */
  async *blocks(root: CID, range?: ByteRange, options?: DagWalkOptions): AsyncGenerator<DagBlock> {
    const rootBytes = await this.block(root);
    if (!rootBytes) throw new BlobNotFoundError(root.toString(), `blob ${root} is not in the embedded IPFS store at ${this.#location}; add it first`);
    const rootNode = decodeFileNode(this.#m, root, rootBytes);
    const leafFile = rootNode.kind === 'file' ? await this.#leaves.open(cidText(root), rootNode.fileSize) : undefined;
    try {
      const read = async (cid: CID, place: BlockPlace): Promise<Uint8Array | undefined> => {
        if (cid.equals(root)) return rootBytes;
        if (leafFile && cid.code === this.#m.raw.code) {
          // The file of leaves holds exactly the file's bytes: a leaf is its slice (looking in the
          // blockstore first cost a failed file open per leaf). Read synchronously while the page
          // cache answers (read-at.ts): a thread-pool round trip per leaf doubled the CPU a
          // peer's CAR of a file cost this process.
          const bytes = Buffer.allocUnsafe(place.size);
          const bytesRead = await readAt(leafFile, bytes, place.size, place.offset);
          return bytesRead === place.size ? bytes : this.#block(cid);
        }
        return this.block(cid);
      };
      for await (const block of dagBlocks(this.#m, root, read, range, options)) yield { cid: block.cid, bytes: block.bytes };
    } finally {
      await leafFile?.close();
    }
  }

  /** Records where the raw leaves under a dag-pb node lie, when the node's own place in a file of leaves is known. */
  async #learnPlaces(cid: CID, bytes: Uint8Array): Promise<void> {
    let node: FileNode;
    try {
      node = decodeFileNode(this.#m, cid, bytes);
    } catch {
      return;
    }
    if (node.kind !== 'file') return;
    const key = cidText(cid);
    let place = this.#places.get(key);
    if (!place && (await this.#leaves.has(key, node.fileSize))) place = { root: key, offset: 0, size: node.fileSize };
    if (!place) return;
    let position = place.offset + (node.data?.byteLength ?? 0);
    for (const link of node.links) {
      if (this.#places.size >= MAX_PLACES) this.#places.delete(this.#places.keys().next().value as string);
      this.#places.set(cidText(link.cid), { root: place.root, offset: position, size: link.size });
      position += link.size;
    }
  }

  /**
   * Whether every block of the file is here (its leaves in blocks, or in its leaf file). Each
   * distinct block is looked at once: a DAG whose nodes link the same child twice (anyone can add
   * one, 64 blocks deep) has 2^64 paths, and walking them one by one never ended.
   */
  async isComplete(cid: CID): Promise<boolean> {
    const pending: CID[] = [cid];
    const seen = new Set<string>();
    for (let next = pending.pop(); next; next = pending.pop()) {
      const key = cidText(next);
      if (seen.has(key)) continue;
      seen.add(key);
      if (next.code === this.#m.raw.code) {
        if (!(await this.#blocks.has(next))) return false;
        continue;
      }
      const node = await this.#node(next);
      if (!node) return false;
      if (node.kind !== 'file') continue;
      if (next === cid && (await this.#leaves.has(cidText(cid), node.fileSize))) return true;
      pending.push(...node.links.map((link) => link.cid));
    }
    return true;
  }

  /**
   * Adds `keyOf` of every block of the file to `into`: the blocks garbage collection must keep.
   * Blocks that are missing, or not UnixFS file nodes, end the walk on their branch.
   */
  async collectBlocks(root: CID, into: Set<string>, keyOf: (cid: CID) => string): Promise<void> {
    const pending: CID[] = [root];
    for (let next = pending.pop(); next; next = pending.pop()) {
      const key = keyOf(next);
      if (into.has(key)) continue;
      into.add(key);
      if (next.code === this.#m.raw.code) continue;
      const node = await this.#node(next).catch(() => undefined);
      if (node?.kind === 'file') pending.push(...node.links.map((link) => link.cid));
    }
  }

  /**
   * The bytes of `range` from the file's blocks, read through dagBlocks: its walk's cost per
   * block does not grow with the DAG's depth, and it refuses a DAG deeper than any file imported
   * here (a recursion per level here made a crafted chain cost work growing with its square).
   */
  async *#walk(root: CID, node: FileNode, range: ByteRange): AsyncGenerator<Uint8Array> {
    const rootBytes = node.kind === 'raw' ? node.bytes : node.block;
    const read = (cid: CID) => (cid.equals(root) ? Promise.resolve(rootBytes) : this.#block(cid));
    for await (const block of dagBlocks(this.#m, root, read, range)) {
      const own = block.node.kind === 'raw' ? block.node.bytes : block.node.data;
      if (own) yield* slice(own, block.at, range);
    }
  }

  async #node(cid: CID): Promise<FileNode | undefined> {
    const bytes = await this.#block(cid);
    return bytes ? decodeFileNode(this.#m, cid, bytes) : undefined;
  }

  async #block(cid: CID): Promise<Uint8Array | undefined> {
    const chunks: Uint8Array[] = [];
    try {
      for await (const chunk of this.#blocks.get(cid)) chunks.push(chunk);
    } catch (error) {
      if ((error as Error).name === 'NotFoundError' && !(await this.#blocks.has(cid))) return undefined;
      throw error;
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }
}

function* slice(bytes: Uint8Array, at: number, range: ByteRange): Generator<Uint8Array> {
  const from = Math.max(range.start - at, 0);
  const to = Math.min(range.end - at, bytes.byteLength);
  if (to > from) yield bytes.subarray(from, to);
}
