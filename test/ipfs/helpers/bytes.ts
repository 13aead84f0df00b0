// Byte sources and sinks for the IPFS tests: generated content that is never held whole, and
// digests to compare what came back with what went in.
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';

export const CHUNK = 262_144;
export const MiB = 1 << 20;

/** `total` random bytes in `chunkSize` pieces; `digest()` is the sha256 of what was produced. */
export class GeneratedBytes implements AsyncIterable<Uint8Array> {
  readonly #hash = createHash('sha256');
  produced = 0;

  constructor(readonly total: number, readonly chunkSize = MiB) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    while (this.produced < this.total) {
      const chunk = randomBytes(Math.min(this.chunkSize, this.total - this.produced));
      this.#hash.update(chunk);
      this.produced += chunk.byteLength;
      yield chunk;
    }
  }

  digest(): string {
    return this.#hash.digest('hex');
  }
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** sha256 and length of a stream, without keeping it. */
export async function digestOf(stream: Readable | AsyncIterable<Uint8Array>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), size };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The same bytes in pieces of `size` (a different stream shape, same content). */
export function* pieces(bytes: Buffer, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.subarray(at, at + size);
}
