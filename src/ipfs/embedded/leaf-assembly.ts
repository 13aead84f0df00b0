// A file's raw leaves, as they arrive from a peer block by block, written into one file that
// becomes the file's leaf file (leaf-files.ts) once it provably holds exactly the file's bytes.
// One file written in large pieces instead of one block file per 256 KiB leaf is what makes a
// gateway's pull of a large blob from a peer fast.
//
// The blocks come depth-first (root first, then each link's subtree in turn), so the place of
// every block in the file is known before it arrives: the nodes above it said so. A leaf is only
// ever written at its own place, with the bytes of its CID, so the file cannot end up wrong; at
// worst it is incomplete, and then the store keeps the blocks as before (EmbeddedBlobStore.putBlocks).
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { AppendFile } from '../../file-io/append-file';
import type { DagBlock } from '../dag-blocks';
import type { IpfsModules } from '../esm';
import { decodeFileNode, type FileNode } from '../file-node';
import { cidKey } from '../cid';

/**
 * Blocks remembered (by CID) to recognise a repeat: about 64 GiB of distinct 256 KiB leaves.
 * Past it a repeat sent only once no longer fits, and the blocks are stored one by one.
 */
const MAX_REMEMBERED = 262_144;

/** Prefix of the files being assembled: not CIDs, so a collection removes ones left by a crash. */
const INCOMING_PREFIX = '.incoming-';

/** The file an assembly writes the leaves into (append-file.ts), a new one in `dir`. */
export type LeafSpool = AppendFile;

export const LeafSpool = {
  async create(dir: string): Promise<LeafSpool> {
    await mkdir(dir, { recursive: true });
    return AppendFile.create(join(dir, `${INCOMING_PREFIX}${randomUUID()}`));
  },
};

/** A block the file needs next: its CID, and where its bytes lie in the file. */
interface Place {
  readonly cid: CID;
  readonly key: string;
  readonly offset: number;
  /** The bytes under it, as the node above says; unknown for the root. */
  readonly size?: number;
}

export interface NodeStore {
  /** Stores a dag-pb node (in the blockstore). */
  put(cid: CID, bytes: Uint8Array): Promise<void>;
  /** A dag-pb node stored before; undefined when it is not there. */
  get(cid: CID): Promise<Uint8Array | undefined>;
}

/**
 * Follows the DAG of `root` as its blocks arrive: dag-pb nodes go to `nodes`, raw leaves to the
 * spool at their place. Only a DAG whose every leaf is a raw sha2-256 block and whose nodes
 * carry no bytes of the file themselves (no inline data) fits: its leaves, in order, are exactly
 * the file. A block that recurs in the file may be sent at each place or only once; a place
 * whose block came before is filled from the copy already written.
 */
export class LeafAssembly {
  readonly spool: LeafSpool;
  readonly #m: IpfsModules;
  readonly #nodes: NodeStore;
  /** What comes next depth-first, the next block last. */
  readonly #pending: Place[];
  /** dag-pb nodes stored by this assembly. */
  readonly #storedNodes = new Set<string>();
  /** Raw leaves written by this assembly → where the spool holds their bytes. */
  readonly #writtenLeaves = new Map<string, number>();
  /** The latest leaf: identical chunks (runs of zeros) recur one after the other. */
  #lastLeaf?: { readonly key: string; readonly bytes: Uint8Array };
  #fileSize?: number;

  constructor(m: IpfsModules, root: CID, spool: LeafSpool, nodes: NodeStore) {
    this.#m = m;
    this.spool = spool;
    this.#nodes = nodes;
    this.#pending = [{ cid: root, key: cidKey(root), offset: 0 }];
  }

  /** Bytes of the file the spool holds from its start, complete leaves only. */
  get written(): number {
    return this.spool.length;
  }

  /**
   * Takes the next block. True when it was placed, or is a repeat of a block already placed;
   * false when it does not fit (another order, inline data, another kind of leaf): then the
   * block itself was not stored, and the assembly cannot go on.
   */
  async add(block: DagBlock): Promise<boolean> {
    const key = cidKey(block.cid);
    while (this.#next()?.key !== key && (await this.#fillRepeat()));
    const next = this.#next();
    if (next?.key === key) return this.#place(next, block.cid, block.bytes);
    // Sent again at a place that was already filled from the first copy.
    return this.#storedNodes.has(key) || this.#writtenLeaves.has(key);
  }

  /** After the last block: whether the spool now holds the whole file, its leaves in order. */
  async complete(): Promise<boolean> {
    while (await this.#fillRepeat());
    return this.#pending.length === 0 && this.#fileSize !== undefined && this.spool.length === this.#fileSize;
  }

  #next(): Place | undefined {
    return this.#pending[this.#pending.length - 1];
  }

  /** Fills the next place from a block that came before; false when it did not come yet. */
  async #fillRepeat(): Promise<boolean> {
    const next = this.#next();
    if (!next) return false;
    if (this.#storedNodes.has(next.key)) {
      const bytes = await this.#nodes.get(next.cid);
      return bytes !== undefined && this.#place(next, next.cid, bytes);
    }
    const at = this.#writtenLeaves.get(next.key);
    if (at === undefined || next.size === undefined) return false;
    const bytes = this.#lastLeaf?.key === next.key ? this.#lastLeaf.bytes : await this.spool.readAt(at, next.size);
    return this.#place(next, next.cid, bytes);
  }

  async #place(place: Place, cid: CID, bytes: Uint8Array): Promise<boolean> {
    if (cid.code === this.#m.raw.code) {
      // Leaves of other hashes are not read back from a leaf file (file-dag.ts checks sha2-256);
      // an empty leaf has no bytes there to be found by.
      if (cid.multihash.code !== this.#m.sha256.code || bytes.byteLength === 0 || bytes.byteLength !== place.size) return false;
      if (place.offset !== this.spool.length) return false;
      await this.spool.append(bytes);
      this.#pending.pop();
      if (this.#writtenLeaves.size < MAX_REMEMBERED && !this.#writtenLeaves.has(place.key)) this.#writtenLeaves.set(place.key, place.offset);
      this.#lastLeaf = { key: place.key, bytes };
      return true;
    }
    if (cid.code !== this.#m.dagPb.code) return false;
    let node: FileNode;
    try {
      node = decodeFileNode(this.#m, cid, bytes);
    } catch {
      return false; // not a file: the blockstore keeps it and the pin says why
    }
    if (node.kind !== 'file' || node.data !== undefined) return false;
    if (place.size !== undefined && node.fileSize !== place.size) return false;
    if (place.size === undefined) this.#fileSize = node.fileSize;
    if (!this.#storedNodes.has(place.key)) {
      await this.#nodes.put(cid, bytes);
      if (this.#storedNodes.size < MAX_REMEMBERED) this.#storedNodes.add(place.key);
    }
    this.#pending.pop();
    const children: Place[] = [];
    let offset = place.offset;
    for (const link of node.links) {
      children.push({ cid: link.cid, key: cidKey(link.cid), offset, size: link.size });
      offset += link.size;
    }
    for (let i = children.length - 1; i >= 0; i--) this.#pending.push(children[i]);
    return true;
  }
}
