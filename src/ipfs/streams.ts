// Byte-stream helpers shared by both stores: counting what goes in, cutting ranges, and turning
// an async iterable into a Readable that streams bytes (not objects).
import { Readable } from 'node:stream';
import type { ByteSource } from './blob-store';

/** Passes the source through chunk by chunk and counts the bytes. */
export class CountingSource implements AsyncIterable<Uint8Array> {
  size = 0;
  /** The first failure of the source itself, so a caller can report it over a library's wrapper. */
  error: unknown;
  readonly #source: ByteSource;

  constructor(source: ByteSource) {
    this.#source = source;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const source = this.#source;
    const iterator: AsyncIterator<unknown> | Iterator<unknown> = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
    try {
      for (;;) {
        let next: IteratorResult<unknown>;
        try {
          next = await iterator.next();
          if (!next.done && !(next.value instanceof Uint8Array)) {
            throw new TypeError(`put() takes bytes, got a ${typeof next.value} chunk; do not set an encoding on the Readable`);
          }
        } catch (error) {
          // Only the source's own failures: an error the consumer throws in at the yield below (a
          // stream destroyed by its failing upload does so on Node 22) is the consumer's, and must
          // not be reported as the source's.
          this.error ??= error;
          throw error;
        }
        if (next.done) return;
        const chunk = next.value as Uint8Array;
        this.size += chunk.byteLength;
        yield chunk;
      }
    } finally {
      await iterator.return?.();
    }
  }
}

export interface ByteRange {
  /** Inclusive. */
  readonly start: number;
  /** Exclusive; equal to start for an empty range. */
  readonly end: number;
}

/** The part of a `size`-byte file that `offset`/`length` select, cut at the end like subarray. */
export function clampRange(size: number, offset = 0, length?: number): ByteRange {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
  }
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw new RangeError(`length must be a non-negative integer, got ${length}`);
  }
  const start = Math.min(offset, size);
  const end = length === undefined ? size : Math.min(size, start + length);
  return { start, end };
}

/** A byte-mode Readable over the iterable; destroying it ends the iterable (and its I/O). */
export function toReadable(source: AsyncIterable<Uint8Array>, signal?: AbortSignal): Readable {
  const readable = Readable.from(source, { objectMode: false, highWaterMark: 1 << 20 });
  if (signal) {
    if (signal.aborted) readable.destroy(signal.reason as Error);
    else signal.addEventListener('abort', () => readable.destroy(signal.reason as Error), { once: true });
  }
  return readable;
}

export function emptyReadable(): Readable {
  return Readable.from([], { objectMode: false });
}
