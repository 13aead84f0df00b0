// The embedded BlobStore: UnixFS files (imported by @helia/unixfs) in a filesystem blockstore,
// with recursive pins recorded beside it. Layout under its directory (the data dir's `ipfs/`):
//   blocks/  one file per block (blockstore-fs)     pins/  one empty file per pinned CID
//   files/   files that hold a DAG's raw leaves, by root CID (leaf-files.ts)
// Blocks and leaf files no pin reaches are deleted by collectGarbage (garbage-collector.ts).
import { type FileHandle, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FsBlockstore } from 'blockstore-fs';
import type { UnixFS } from '@helia/unixfs';
import type { CID } from 'multiformats/cid';
import type { BlobStat, BlobStore, ByteSource, DagBlock, GarbageCollection, GetOptions, PutOptions, PutResult } from '../blob-store';
import { cidText, KUBO_IMPORT, parseBlobCid } from '../cid';
import { BlobNotFoundError, BlobStoreError, BlobStoreUnavailableError } from '../errors';
import { ipfsModules, type IpfsModules } from '../esm';
import { type ByteRange, clampRange, CountingSource, toReadable } from '../streams';
import { dagBlocks } from '../dag-blocks';
import { FileDag, type FileNode } from './file-dag';
import { sweepBlocks, sweepLeafFiles } from './garbage-collector';
import { LeafAssembly, LeafSpool } from './leaf-assembly';
import { LeafFiles } from './leaf-files';
import { PinSet } from './pin-set';
import { spreadSubdirectories } from './spread-subdirectories';
import { WriteGate } from './write-gate';

export class EmbeddedBlobStore implements BlobStore {
  readonly location: string;
  readonly #m: IpfsModules;
  readonly #blocks: FsBlockstore;
  readonly #unixfs: UnixFS;
  /** The same importer writing every block but the raw leaves (importLeavesElsewhere). */
  readonly #unixfsWithoutLeaves: UnixFS;
  readonly #files: FileDag;
  readonly #leaves: LeafFiles;
  readonly #pins: PinSet;
  /** Start times of the puts in progress: collectGarbage keeps every block written since the oldest. */
  readonly #writing = new Set<{ readonly since: number }>();
  /** Block writes and pins pause while the garbage collector runs (write-gate.ts). */
  readonly #gate = new WriteGate();
  #closed = false;

  private constructor(location: string, m: IpfsModules, blocks: FsBlockstore, pins: PinSet) {
    this.location = location;
    this.#m = m;
    this.#blocks = blocks;
    this.#pins = pins;
    // The importer writes through a view of the blockstore whose put waits for the gate.
    const gated: FsBlockstore = Object.create(blocks);
    gated.put = (key, value, options) => this.#gate.write(() => blocks.put(key, value, options));
    this.#unixfs = m.unixfs({ blockstore: gated });
    const leafless: FsBlockstore = Object.create(gated);
    leafless.put = async (key, value, options) => (key.code === m.raw.code ? key : gated.put(key, value, options));
    this.#unixfsWithoutLeaves = m.unixfs({ blockstore: leafless });
    this.#leaves = new LeafFiles(join(location, 'files'));
    this.#files = new FileDag(m, blocks, location, this.#leaves);
  }

  /** Opens (creating if needed) the store in `dir`, e.g. `<data dir>/ipfs`. */
  static async open(dir: string): Promise<EmbeddedBlobStore> {
    const m = await ipfsModules();
    const blocks = new m.FsBlockstore(join(dir, 'blocks'));
    await blocks.open();
    await spreadSubdirectories(join(dir, 'blocks'));
    return new EmbeddedBlobStore(dir, m, blocks, await PinSet.open(join(dir, 'pins')));
  }

  async put(source: ByteSource, options: PutOptions = {}): Promise<PutResult> {
    return this.#import(this.#unixfs, source, options);
  }

  /**
   * Imports like put, but stores none of the raw leaves and pins nothing: the caller keeps the
   * bytes in a file and hands it over with adoptFile once it knows they are right. Until then the
   * file is incomplete here. The gateway imports uploads so while they arrive.
   */
  importLeavesElsewhere(source: ByteSource, options: { signal?: AbortSignal } = {}): Promise<PutResult> {
    return this.#import(this.#unixfsWithoutLeaves, source, { signal: options.signal, pin: false });
  }

  /**
   * Takes `file`, which must hold exactly the bytes importLeavesElsewhere imported as `cid`, as
   * that file's leaves (moving it, no copy), and pins `cid`. Resolves with the file's new path;
   * or with undefined when the file was not taken, for a file of one block (stored as that block).
   */
  async adoptFile(cid: string, file: string): Promise<string | undefined> {
    this.#assertOpen();
    const root = parseBlobCid(this.#m, cid);
    const name = cidText(root);
    if (root.code === this.#m.raw.code) {
      // A one-block file is at most one chunk: anything larger cannot be it, and is not read in.
      const size = (await stat(file)).size;
      if (size > KUBO_IMPORT.chunkSize) throw new BlobStoreError(`${file} has ${size} bytes but ${name} is a single block of at most ${KUBO_IMPORT.chunkSize}; import it again`);
      const bytes = await readFile(file);
      const actual = this.#m.CID.createV1(this.#m.raw.code, await this.#m.sha256.digest(bytes));
      if (!actual.equals(root)) throw new BlobStoreError(`${file} does not hold the bytes of ${name}; import it again`);
      await this.#gate.write(async () => {
        await this.#blocks.put(root, bytes);
        await this.#pins.add(name);
      });
      return undefined;
    }
    const node = await this.#files.root(root);
    const size = (await stat(file)).size;
    if (node.kind !== 'file' || node.fileSize !== size) {
      throw new BlobStoreError(`${file} has ${size} bytes but ${name} is a file of ${FileDag.size(node)}; import it again`);
    }
    // Within one process, a collection cannot run between the move and the pin.
    return this.#gate.write(async () => {
      const path = await this.#leaves.adopt(name, file);
      await this.#pins.add(name);
      return path;
    });
  }

  async #import(unixfs: UnixFS, source: ByteSource, options: PutOptions): Promise<PutResult> {
    this.#assertOpen();
    // Registered before the first block is written (a block file's time has a coarser clock).
    const write = { since: Date.now() - 1000 };
    this.#writing.add(write);
    try {
      const counted = new CountingSource(source);
      const cid = await unixfs.addByteStream(counted, {
        cidVersion: KUBO_IMPORT.cidVersion,
        rawLeaves: KUBO_IMPORT.rawLeaves,
        reduceSingleLeafToSelf: true,
        chunker: this.#m.fixedSize({ chunkSize: KUBO_IMPORT.chunkSize }),
        layout: this.#m.balanced({ maxChildrenPerNode: KUBO_IMPORT.maxLinksPerNode }),
        signal: options.signal,
      });
      options.signal?.throwIfAborted();
      if (options.pin ?? true) await this.#pins.add(cidText(cid));
      return { cid: cidText(cid), size: counted.size };
    } finally {
      this.#writing.delete(write);
    }
  }

  async get(cid: string, options: GetOptions = {}): Promise<Readable> {
    const { root, node } = await this.resolve(cid);
    const range = clampRange(FileDag.size(node), options.offset, options.length);
    return toReadable(this.#files.read(root, node, range), options.signal);
  }

  async getBlock(cid: string): Promise<Uint8Array> {
    this.#assertOpen();
    const parsed = parseBlobCid(this.#m, cid);
    const bytes = await this.#files.block(parsed);
    if (!bytes) throw new BlobNotFoundError(cidText(parsed), `block ${parsed} is not in the embedded IPFS store at ${this.location}`);
    return bytes;
  }

  blocks(cid: string, options: { range?: ByteRange; signal?: AbortSignal; once?: boolean } = {}): AsyncIterable<DagBlock> {
    this.#assertOpen();
    const root = parseBlobCid(this.#m, cid);
    const files = this.#files;
    return (async function* () {
      // The signal reaches the walk, which leaves a read it waits on once it aborts.
      for await (const block of files.blocks(root, options.range, { once: options.once, signal: options.signal })) {
        options.signal?.throwIfAborted();
        yield block;
      }
    })();
  }

  /**
   * Stores the file as it comes, its raw leaves written into one leaf file rather than one block
   * file each, when the blocks come depth-first and the DAG is one whose leaves are exactly the
   * file (leaf-assembly.ts); else block by block, as putBlockSet does.
   */
  async putBlocks(root: string, blocks: AsyncIterable<DagBlock>, options: { signal?: AbortSignal } = {}): Promise<PutResult> {
    this.#assertOpen();
    const rootCid = parseBlobCid(this.#m, root);
    const name = cidText(rootCid);
    // Registered first, so that a collection running meanwhile keeps these unpinned blocks (and
    // the file being written, which is newer still).
    const write = { since: Date.now() - 1000 };
    this.#writing.add(write);
    try {
      let adopted = false;
      if (rootCid.code === this.#m.dagPb.code) adopted = await this.#putAsLeafFile(rootCid, blocks, options);
      // A one-block file is that block: a leaf file would gain nothing.
      else await this.#putEach(blocks, options);
      if (!adopted) await this.pin(name);
    } finally {
      this.#writing.delete(write);
    }
    return { cid: name, size: (await this.stat(name)).size };
  }

  /**
   * putBlocks into a leaf file: true when the file was adopted and pinned; false when the blocks
   * did not fit and were stored one by one instead (all of them, those of the leaf file too).
   */
  async #putAsLeafFile(root: CID, blocks: AsyncIterable<DagBlock>, options: { signal?: AbortSignal }): Promise<boolean> {
    const gated = (cid: CID, bytes: Uint8Array) => this.#gate.write(async () => {
      await this.#blocks.put(cid, bytes);
    });
    const spool = await LeafSpool.create(this.#leaves.dir);
    let assembly: LeafAssembly | undefined = new LeafAssembly(this.#m, root, spool, { put: gated, get: (cid) => this.#files.block(cid) });
    try {
      for await (const block of blocks) {
        options.signal?.throwIfAborted();
        if (assembly && (await assembly.add(block))) continue;
        if (assembly) {
          await this.#spill(root, assembly);
          assembly = undefined;
          await spool.discard();
        }
        await gated(block.cid, block.bytes);
      }
      options.signal?.throwIfAborted();
      if (assembly && !(await assembly.complete())) {
        // Blocks are missing (the pin will say which) or the DAG is not one a leaf file can hold.
        await this.#spill(root, assembly);
        assembly = undefined;
      }
      if (!assembly) return false;
      await spool.finish();
      const name = cidText(root);
      // As adoptFile: within one process, a collection cannot run between the move and the pin.
      await this.#gate.write(async () => {
        await this.#leaves.adopt(name, spool.path);
        await this.#pins.add(name);
      });
      return true;
    } finally {
      // Gone once adopted; deleted in every other case (a failure, an abort, a fallback).
      await spool.discard();
    }
  }

  /**
   * Stores the raw leaves the assembly has written so far as blocks, read back from its file,
   * so that the store can go on block by block. Every node above them is stored already.
   */
  async #spill(root: CID, assembly: LeafAssembly): Promise<void> {
    const end = assembly.written;
    if (end === 0) return;
    const read = async (cid: CID, place: { offset: number; size: number }) => {
      if (cid.code !== this.#m.raw.code) return this.#files.block(cid);
      return place.offset + place.size <= end ? assembly.spool.readAt(place.offset, place.size) : undefined;
    };
    for await (const block of dagBlocks(this.#m, root, read, { start: 0, end })) {
      if (block.cid.code === this.#m.raw.code) await this.#gate.write(() => this.#blocks.put(block.cid, block.bytes));
    }
  }

  async #putEach(blocks: AsyncIterable<DagBlock>, options: { signal?: AbortSignal }): Promise<void> {
    for await (const block of blocks) {
      options.signal?.throwIfAborted();
      await this.#gate.write(() => this.#blocks.put(block.cid, block.bytes));
    }
  }

  /** Stores blocks (checked against their CIDs by the caller) without pinning anything. */
  async putBlockSet(blocks: AsyncIterable<DagBlock>, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen();
    // Registered first, so that a collection running meanwhile keeps these unpinned blocks.
    const write = { since: Date.now() - 1000 };
    this.#writing.add(write);
    try {
      await this.#putEach(blocks, options);
    } finally {
      this.#writing.delete(write);
    }
  }

  async has(cid: string): Promise<boolean> {
    this.#assertOpen();
    const root = parseBlobCid(this.#m, cid);
    // A pin is only ever recorded for a complete DAG, so it answers without a walk.
    return (await this.#pins.has(cidText(root))) || this.#files.isComplete(root);
  }

  async pin(cid: string): Promise<void> {
    this.#assertOpen();
    const root = parseBlobCid(this.#m, cid);
    await this.#gate.write(async () => {
      if (await this.#pins.has(cidText(root))) return;
      // Nothing can be fetched from elsewhere, so a pin needs every block here already.
      if (!(await this.#files.isComplete(root))) {
        await this.#files.root(root);
        throw new BlobNotFoundError(cidText(root), `blob ${root} is incomplete in the embedded IPFS store at ${this.location}; add the file again before pinning it`);
      }
      await this.#pins.add(cidText(root));
    });
  }

  async collectGarbage(before: number, onRemoved?: (cid: string) => void): Promise<GarbageCollection> {
    this.#assertOpen();
    return this.#gate.exclusive(async () => {
      let cutoff = before;
      for (const write of this.#writing) cutoff = Math.min(cutoff, write.since);
      const keyOf = (cid: CID) => this.#m.base32upper.encoder.encode(cid.multihash.bytes);
      const reachable = new Set<string>();
      for (const pinned of await this.#pins.list()) await this.#files.collectBlocks(this.#m.CID.parse(pinned), reachable, keyOf);
      const cidOfKey = (key: string) => {
        try {
          return this.#m.CID.createV1(this.#m.raw.code, this.#m.decodeDigest(this.#m.base32upper.decoder.decode(key))).toString();
        } catch {
          return undefined; // a file blockstore-fs did not name; deleted all the same
        }
      };
      const report = onRemoved && ((key: string) => {
        const removed = cidOfKey(key);
        if (removed) onRemoved(removed);
      });
      const blocks = await sweepBlocks({ blocksDir: join(this.location, 'blocks'), reachable, before: cutoff, onRemoved: report });
      const files = await sweepLeafFiles(this.#leaves.dir, (name) => {
        try {
          return reachable.has(keyOf(this.#m.CID.parse(name)));
        } catch {
          return false; // not named by a CID: nothing can read it
        }
      }, cutoff);
      return {
        removedBlocks: blocks.removedBlocks,
        removedLeafFiles: files.removed,
        freedBytes: blocks.freedBytes + files.freedBytes,
        keptRecent: blocks.keptRecent + files.keptRecent,
      };
    });
  }

  async unpin(cid: string): Promise<void> {
    this.#assertOpen();
    await this.#pins.remove(cidText(parseBlobCid(this.#m, cid)));
  }

  async isPinned(cid: string): Promise<boolean> {
    this.#assertOpen();
    return this.#pins.has(cidText(parseBlobCid(this.#m, cid)));
  }

  async leafFileOf(cid: string): Promise<string | undefined> {
    this.#assertOpen();
    const root = parseBlobCid(this.#m, cid);
    if (root.code !== this.#m.dagPb.code) return undefined;
    const name = cidText(root);
    const { size } = await this.stat(cid);
    return (await this.#leaves.has(name, size)) ? this.#leaves.path(name) : undefined;
  }

  async stat(cid: string): Promise<BlobStat> {
    const { node } = await this.resolve(cid);
    return { size: FileDag.size(node) };
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#blocks.close();
  }

  /** Recursive pins, as CIDv1 strings (for the Kubo API server's pin/ls). */
  async pins(): Promise<string[]> {
    this.#assertOpen();
    return this.#pins.list();
  }

  /** The parsed CID and its root node; for the Kubo API server's stat and cat. */
  async resolve(cid: string): Promise<{ root: CID; node: FileNode }> {
    this.#assertOpen();
    const root = parseBlobCid(this.#m, cid);
    return { root, node: await this.#files.root(root) };
  }

  /** Whether every block of a parsed CID is here, for files/stat `--with-local`. */
  isComplete(root: CID): Promise<boolean> {
    return this.#files.isComplete(root);
  }

  /** A stream of an already resolved file, for the Kubo API server's cat. */
  read(root: CID, node: FileNode, start: number, end: number): AsyncGenerator<Uint8Array> {
    return this.#files.read(root, node, { start, end });
  }

  /** The file of a resolved root's leaves, open for reading (the caller closes it), when the store keeps one. */
  openLeafFile(root: CID, node: FileNode): Promise<FileHandle | undefined> {
    return this.#files.openLeafFile(root, node);
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new BlobStoreUnavailableError(`the embedded IPFS store at ${this.location} is closed; open it again (openBlobStore) to use it`);
    }
  }
}
