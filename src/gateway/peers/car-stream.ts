// A CARv1 stream read block by block, as a peer sends it. A block that lies inside one chunk of
// the stream, or across chunks that lie one after another in memory (reads into one buffer,
// plain-http-get.ts), is a view of them; one that spans separate chunks is copied once. A
// section's CID is read apart from its bytes, so a peer that sends the two as separate writes
// (as this registry's trustless gateway does) does not cost a copy of the block. Small chunks
// that do not follow one another are copied together, so that a peer sending a few bytes per
// chunk cannot make the queue hold a view per byte. (@ipld/car's
// iterator joins the chunks again for each read, copying a 256 KiB block several times over:
// on the peer path that cost more than checking the block's hash.) Nothing here is trusted:
// callers check each block against its CID. A section longer than any block a gateway sends is
// refused, so a peer cannot make this buffer without bound.
import type { CID } from 'multiformats/cid';
import type { IpfsModules } from '../../ipfs/esm';
import { PeerFormatError } from './format-error';

export interface CarSection {
  readonly cid: CID;
  readonly bytes: Uint8Array;
}

/** Far larger than the blocks IPFS implementations exchange (a few MiB at most; this registry's leaves are 256 KiB). */
export const MAX_CAR_SECTION_BYTES = 8 * 1024 * 1024;
/** A CAR header is a few roots; more is not a header. */
const MAX_HEADER_BYTES = 64 * 1024;

export class CarFormatError extends PeerFormatError {
  override readonly name = 'CarFormatError';
}

const TAKEN = new Uint8Array(0);

/** A chunk smaller than this is copied into a shared buffer, so a stream of tiny chunks is not held as a view per chunk. */
const SMALL_CHUNK_BYTES = 4096;
const GATHER_BYTES = 64 * 1024;

/**
 * Bytes buffered from an async source, taken from the front. The chunks taken are passed by an
 * index, not shifted off the array one by one: a peer that sends a block a few bytes per chunk
 * must not make taking it cost the square of its chunks.
 */
class ChunkQueue {
  #chunks: Uint8Array[] = [];
  /** The first chunk not wholly taken. */
  #head = 0;
  /** Bytes of the head chunk already taken. */
  #offset = 0;
  #length = 0;
  /** Where small chunks are copied, one after another; the queue's last chunk may be a view of its filled part. */
  #gather: Uint8Array | undefined;
  #gatherUsed = 0;
  readonly #source: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  get length(): number {
    return this.#length;
  }

  /** Reads until `n` bytes are buffered; false when the stream ends first. */
  async fill(n: number): Promise<boolean> {
    while (this.#length < n) {
      const next = await this.#source.next();
      if (next.done) return false;
      if (next.value.byteLength === 0) continue;
      this.#push(next.value);
      this.#length += next.value.byteLength;
    }
    return true;
  }

  /**
   * A chunk into the queue. One that continues the last in memory (reads into one buffer) joins it
   * as one view. A small one that does not is copied after the last small one: a peer that sends
   * a section a few bytes per chunk costs one view per 64 KiB, not one per chunk. What was copied
   * before is never written again, so views already taken stay as they were.
   */
  #push(chunk: Uint8Array): void {
    const piece = chunk.byteLength < SMALL_CHUNK_BYTES && !this.#continuesTail(chunk) ? this.#gathered(chunk) : chunk;
    if (this.#continuesTail(piece)) {
      const last = this.#chunks.length - 1;
      const tail = this.#chunks[last];
      this.#chunks[last] = new Uint8Array(tail.buffer, tail.byteOffset, tail.byteLength + piece.byteLength);
    } else {
      this.#chunks.push(piece);
    }
  }

  /** Whether `chunk` starts where the last chunk not yet taken ends, in the same buffer. */
  #continuesTail(chunk: Uint8Array): boolean {
    const last = this.#chunks.length - 1;
    if (last < this.#head) return false;
    const tail = this.#chunks[last];
    return tail.buffer === chunk.buffer && tail.byteOffset + tail.byteLength === chunk.byteOffset;
  }

  /** A copy of a small chunk, after the last one copied when it fits. */
  #gathered(chunk: Uint8Array): Uint8Array {
    if (!this.#gather || this.#gatherUsed + chunk.byteLength > this.#gather.byteLength) {
      this.#gather = new Uint8Array(GATHER_BYTES);
      this.#gatherUsed = 0;
    }
    const copy = this.#gather.subarray(this.#gatherUsed, this.#gatherUsed + chunk.byteLength);
    copy.set(chunk);
    this.#gatherUsed += chunk.byteLength;
    return copy;
  }

  /** The byte `i` places from the front (buffered; `i` is small: a varint's bytes). */
  peek(i: number): number {
    let at = i + this.#offset;
    for (let c = this.#head; c < this.#chunks.length; c++) {
      const chunk = this.#chunks[c];
      if (at < chunk.byteLength) return chunk[at];
      at -= chunk.byteLength;
    }
    throw new RangeError('peek past the buffered bytes');
  }

  /** The first `n` bytes (buffered) without taking them: a view, or a copy when they span chunks (`n` is small). */
  peekBytes(n: number): Uint8Array {
    const first = this.#chunks[this.#head];
    if (first.byteLength - this.#offset >= n) return first.subarray(this.#offset, this.#offset + n);
    const out = new Uint8Array(n);
    let filled = 0;
    for (let c = this.#head, at = this.#offset; filled < n; c++, at = 0) {
      const part = this.#chunks[c].subarray(at, at + n - filled);
      out.set(part, filled);
      filled += part.byteLength;
    }
    return out;
  }

  /** The first `n` bytes (buffered): a view when they lie in one chunk (chunks adjacent in memory are one), else one copy. */
  take(n: number): Uint8Array {
    if (n === 0) return TAKEN;
    const first = this.#chunks[this.#head];
    if (first && first.byteLength - this.#offset >= n) {
      const view = first.subarray(this.#offset, this.#offset + n);
      this.#advance(n);
      return view;
    }
    // Every byte is written below: no need to zero it first.
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[this.#head];
      const part = Math.min(chunk.byteLength - this.#offset, n - filled);
      out.set(chunk.subarray(this.#offset, this.#offset + part), filled);
      filled += part;
      this.#advance(part);
    }
    return out;
  }

  async return(): Promise<void> {
    await this.#source.return?.();
  }

  #advance(n: number): void {
    this.#offset += n;
    this.#length -= n;
    while (this.#head < this.#chunks.length && this.#offset >= this.#chunks[this.#head].byteLength) {
      this.#offset -= this.#chunks[this.#head].byteLength;
      // The chunk itself is let go now; its slot, at the next compaction.
      this.#chunks[this.#head++] = TAKEN;
    }
    // Drop the slots of the chunks taken, in one step once they are most of the array.
    if (this.#head > 64 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** An unsigned LEB128 varint at the front, or undefined at a clean end of the stream. */
async function readVarint(queue: ChunkQueue, what: string): Promise<number | undefined> {
  let value = 0;
  for (let i = 0; ; i++) {
    if (!(await queue.fill(i + 1))) {
      if (i === 0) return undefined;
      throw new CarFormatError(`the stream ends inside the length of ${what}`, { truncated: true });
    }
    const byte = queue.peek(i);
    // Seven bits a byte; past 7 bytes (2^49) no length here is honest.
    if (i >= 7) throw new CarFormatError(`the length of ${what} is not a valid varint`);
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      queue.take(i + 1);
      return value;
    }
  }
}

/**
 * The sections of a CARv1 stream after its header; `onHeader` sees the header's bytes (dag-cbor)
 * before the first block. The source is let go of however the reading ends.
 */
export async function* carSections(m: IpfsModules, source: AsyncIterable<Uint8Array>, options: { onHeader?: (bytes: Uint8Array) => void; maxSectionBytes?: number } = {}): AsyncGenerator<CarSection> {
  const queue = new ChunkQueue(source);
  const maxSection = options.maxSectionBytes ?? MAX_CAR_SECTION_BYTES;
  try {
    const headerLength = await readVarint(queue, 'the CAR header');
    if (headerLength === undefined) throw new CarFormatError('the stream is empty: no CAR header', { truncated: true });
    if (headerLength === 0 || headerLength > MAX_HEADER_BYTES) throw new CarFormatError(`a CAR header of ${headerLength} bytes is not one`);
    if (!(await queue.fill(headerLength))) throw new CarFormatError('the stream ends inside the CAR header', { truncated: true });
    const header = queue.take(headerLength);
    options.onHeader?.(header);
    for (let index = 0; ; index++) {
      const length = await readVarint(queue, `block ${index}`);
      if (length === undefined) return;
      if (length === 0 || length > maxSection) throw new CarFormatError(`block ${index} claims ${length} bytes; a section holds 1 to ${maxSection}`);
      if (!(await queue.fill(length))) throw new CarFormatError(`the stream ends inside block ${index} (${queue.length} of its ${length} bytes came)`, { truncated: true });
      yield takeSection(m, queue, length, index);
    }
  } finally {
    await queue.return();
  }
}

/** A CID is far shorter than this (an identity CID with inline data may not be: it is read with its section). */
const CID_PEEK_BYTES = 256;

/** One section of `length` bytes (buffered): its CID, and its bytes taken apart from it. */
function takeSection(m: IpfsModules, queue: ChunkQueue, length: number, index: number): CarSection {
  const decode = (bytes: Uint8Array): [CID, Uint8Array] => {
    try {
      return m.CID.decodeFirst(bytes);
    } catch (error) {
      throw new CarFormatError(`block ${index} does not start with a CID (${(error as Error).message})`);
    }
  };
  // The CID's length from its varints alone: the CID itself is decoded once, from its own copy.
  let cidLength: number | undefined;
  try {
    const peeked = queue.peekBytes(Math.min(length, CID_PEEK_BYTES));
    const { size } = m.CID.inspectBytes(peeked);
    if (size <= peeked.byteLength) cidLength = size;
  } catch {
    // Not a CID within the first bytes: the whole section is read as one and decoded, to fail or not.
  }
  if (cidLength === undefined) {
    // Read whole, the section is a copy or a view of its own: nothing else keeps its buffer alive.
    const [whole, bytes] = decode(new Uint8Array(queue.take(length)));
    return { cid: whole, bytes };
  }
  // The CID is copied out, and so is a node's bytes (whose links' CIDs are views of them): those
  // may be kept long after the block, and must not keep the whole buffer it arrived in alive.
  // A raw leaf's bytes are used and let go of as the file passes, and stay a view.
  const [own] = decode(new Uint8Array(queue.take(cidLength)));
  const bytes = queue.take(length - cidLength);
  return { cid: own, bytes: own.code === m.raw.code ? bytes : new Uint8Array(bytes) };
}

/** Checks a CARv1 header's dag-cbor bytes: version 1 with at least one root; returns the roots. */
export function checkCarHeader(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): unknown[] {
  let header: unknown;
  try {
    header = decode(bytes);
  } catch (error) {
    throw new CarFormatError(`the CAR header is not dag-cbor (${(error as Error).message})`);
  }
  const { version, roots } = (header ?? {}) as { version?: unknown; roots?: unknown };
  if (version !== 1) throw new CarFormatError(`the CAR is version ${JSON.stringify(version)}; only version 1 is read here`);
  if (!Array.isArray(roots) || roots.length === 0) throw new CarFormatError('the CAR header names no roots');
  return roots;
}
