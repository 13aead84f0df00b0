// A CARv1 stream read block by block, as a peer sends it. A block that lies inside one chunk of
// the stream is a view of that chunk; one that spans chunks is copied once. (@ipld/car's
// iterator joins the chunks again for each read, copying a 256 KiB block several times over:
// on the peer path that cost more than checking the block's hash.) Nothing here is trusted:
// callers check each block against its CID. A section longer than any block a gateway sends is
// refused, so a peer cannot make this buffer without bound.
import type { CID } from 'multiformats/cid';
import type { IpfsModules } from '../../ipfs/esm';

export interface CarSection {
  readonly cid: CID;
  readonly bytes: Uint8Array;
}

/** Far larger than the blocks IPFS implementations exchange (a few MiB at most; this registry's leaves are 256 KiB). */
export const MAX_CAR_SECTION_BYTES = 8 * 1024 * 1024;
/** A CAR header is a few roots; more is not a header. */
const MAX_HEADER_BYTES = 64 * 1024;

export class CarFormatError extends Error {
  override readonly name = 'CarFormatError';
  /** The stream ended before the CAR did (a cut connection), rather than saying something a CAR cannot. */
  readonly truncated: boolean;
  constructor(message: string, options: { truncated?: boolean } = {}) {
    super(message);
    this.truncated = options.truncated ?? false;
  }
}

const TAKEN = new Uint8Array(0);

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
      this.#chunks.push(next.value);
      this.#length += next.value.byteLength;
    }
    return true;
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

  /** The first `n` bytes (buffered): a view when they lie in one chunk, else one copy. */
  take(n: number): Uint8Array {
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
      const section = queue.take(length);
      let cid: CID;
      let bytes: Uint8Array;
      try {
        [cid, bytes] = m.CID.decodeFirst(section);
      } catch (error) {
        throw new CarFormatError(`block ${index} does not start with a CID (${(error as Error).message})`);
      }
      yield { cid, bytes };
    }
  } finally {
    await queue.return();
  }
}

/** Checks a CARv1 header's dag-cbor bytes: version 1 with at least one root. */
export function checkCarHeader(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): void {
  let header: unknown;
  try {
    header = decode(bytes);
  } catch (error) {
    throw new CarFormatError(`the CAR header is not dag-cbor (${(error as Error).message})`);
  }
  const { version, roots } = (header ?? {}) as { version?: unknown; roots?: unknown };
  if (version !== 1) throw new CarFormatError(`the CAR is version ${JSON.stringify(version)}; only version 1 is read here`);
  if (!Array.isArray(roots) || roots.length === 0) throw new CarFormatError('the CAR header names no roots');
}
