// The one storage interface for blob bytes. Two implementations pass the same test suite
// (test/ipfs/blob-store-suite.ts): the embedded UnixFS store and Kubo over its RPC API.
import type { Readable } from 'node:stream';
import type { DagBlock } from './dag-blocks';
import type { ByteRange } from './streams';

export type { DagBlock } from './dag-blocks';

export { BlobStoreError, BlobNotFoundError, BlobStoreUnavailableError, InvalidCidError } from './errors';

/**
 * Bytes to store: a Node Readable (without an encoding set), or any (async) iterable of
 * Uint8Array chunks. It is consumed once, chunk by chunk; it is never collected in memory.
 */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface PutOptions {
  /** Pin the new content so garbage collection keeps it (default true). */
  readonly pin?: boolean;
  /** Cancels the write; the CID then never reaches the caller and nothing is pinned. */
  readonly signal?: AbortSignal;
}

export interface PutResult {
  /** CIDv1, base32 (`bafy…` for chunked files, `bafk…` for single-chunk raw leaves). */
  readonly cid: string;
  /** Bytes read from the source: the file size, not the DAG size. */
  readonly size: number;
}

export interface GetOptions {
  /** First byte to return (default 0). At or past the end, the stream is empty. */
  readonly offset?: number;
  /** How many bytes at most (default: to the end). A range past the end is cut at the end. */
  readonly length?: number;
  /** Cancels the read; the returned stream is destroyed with an AbortError. */
  readonly signal?: AbortSignal;
}

export interface GarbageCollection {
  /** Blocks deleted. */
  readonly removedBlocks: number;
  /** Files holding the raw leaves of unpinned DAGs deleted (the embedded store's files/). */
  readonly removedLeafFiles?: number;
  /** Their bytes on disk. */
  readonly freedBytes: number;
  /** Unpinned blocks kept because they were written after the cut-off. */
  readonly keptRecent: number;
}

export interface StatOptions {
  /**
   * Whether a read of the whole file follows (default true). A store that fetches what it lacks
   * (from peers) starts that fetch for the size, for the read to join; when none follows (a HEAD,
   * a range) it asks for the root block alone.
   */
  readonly wholeReadFollows?: boolean;
}

export interface BlobStat {
  /** File size in bytes. */
  readonly size: number;
}

/**
 * Content-addressed blob storage on IPFS. Every method that takes a CID accepts a CIDv0 or
 * CIDv1 string of a UnixFS file (dag-pb or raw codec) and throws InvalidCidError otherwise.
 * A write is all or nothing: `put` resolves with the CID only once every block is stored (and
 * pinned); a failed or cancelled put leaves at most unpinned blocks that nothing refers to.
 */
export interface BlobStore {
  /** Where the bytes live, for messages and logs: a directory or an API URL. */
  readonly location: string;

  /** Streams the bytes into the store as a UnixFS file (CIDv1, raw leaves). */
  put(source: ByteSource, options?: PutOptions): Promise<PutResult>;

  /**
   * Streams the file's bytes, or a range of them. Resolves once the content is found (so
   * BlobNotFoundError rejects here, not on the stream); the stream errors if the content turns
   * out to be incomplete mid-way.
   */
  get(cid: string, options?: GetOptions): Promise<Readable>;

  /** Whether the whole file is available from this store without fetching it from elsewhere. */
  has(cid: string): Promise<boolean>;

  /** Pins the content (recursively) so it is kept; BlobNotFoundError when it cannot be found. */
  pin(cid: string): Promise<void>;

  /**
   * Removes the recursive pin, if there is one (unpinning twice is fine). The blocks may then be
   * garbage-collected: by Kubo's own GC, or by the embedded store's collectGarbage.
   */
  unpin(cid: string): Promise<void>;

  /** Whether the content holds a recursive pin. */
  isPinned(cid: string): Promise<boolean>;

  /** The file's size; BlobNotFoundError when it cannot be found. */
  stat(cid: string, options?: StatOptions): Promise<BlobStat>;

  /**
   * Only for stores whose unpinned blocks nobody else removes (the embedded one): deletes the
   * blocks no pin reaches that were last written before `before` (ms since the epoch; blocks of
   * writes still in progress here are always kept). Kubo has its own (`ipfs repo gc`, or the
   * daemon's --enable-gc), which the registry leaves to the node's operator.
   */
  collectGarbage?(before: number, onRemoved?: (cid: string) => void): Promise<GarbageCollection>;

  /**
   * Only the embedded store: imports without storing the raw leaves and pins nothing; the caller
   * keeps the bytes in a file and hands it over with adoptFile. (Kubo stores what it is sent.)
   */
  importLeavesElsewhere?(source: ByteSource, options?: { signal?: AbortSignal }): Promise<PutResult>;

  /**
   * Only the embedded store: moves `file`, exactly the bytes importLeavesElsewhere imported as
   * `cid`, into the store as that file's leaves, and pins `cid`. Resolves with the file's new
   * path, or undefined when the file was not taken (one block: stored as that block).
   */
  adoptFile?(cid: string, file: string): Promise<string | undefined>;

  /**
   * Only the embedded store: the path of the file that holds exactly the bytes of the file `cid`
   * (its leaf file), when the store keeps them that way; undefined otherwise (a file of one block,
   * leaves kept as blocks). A blob cache links it instead of copying the bytes again.
   */
  leafFileOf?(cid: string): Promise<string | undefined>;

  /**
   * One block of a stored file by its CID: the root, an inner node or a raw leaf (CIDv0 or
   * CIDv1, dag-pb or raw). BlobNotFoundError when the store does not have it. A leaf kept in a
   * file of leaves is found once a block above it has been read (as every DAG walk does).
   * `signal`: the reader is gone (a client hung up); a store that waits on others (a Kubo node,
   * peers) stops waiting, one that reads its own disk may ignore it.
   */
  getBlock(cid: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;

  /**
   * The file's blocks depth-first (the root first, the raw leaves in file order), each with its
   * CID; with `range`, only those on the way to its bytes. BlobNotFoundError when the root is
   * missing, and from the iterator when a block under it is. With `once`, a subtree already
   * walked whole is not walked again (see DagWalkOptions): for a CAR carrying each block once.
   */
  blocks(cid: string, options?: { range?: ByteRange; signal?: AbortSignal; once?: boolean }): AsyncIterable<DagBlock>;

  /**
   * Stores the blocks of the file `root` (each already checked against its CID by the caller)
   * and pins it once every block of it is here; BlobNotFoundError if some are still missing.
   */
  putBlocks(root: string, blocks: AsyncIterable<DagBlock>, options?: { signal?: AbortSignal }): Promise<PutResult>;

  /**
   * Only stores that may fetch content from elsewhere (Kubo, from the IPFS network): the same
   * store with every call confined to what it holds, so a missing block is an answer at once
   * rather than a search. A store without it only ever reads what it holds.
   */
  localOnly?(): BlobStore;

  /** Resolves when the store answers; rejects with BlobStoreUnavailableError otherwise. */
  ping(): Promise<void>;

  /** Releases the store. Later calls fail with BlobStoreUnavailableError. */
  close(): Promise<void>;
}
