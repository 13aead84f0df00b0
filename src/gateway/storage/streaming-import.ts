// An upload's bytes handed to IPFS while they arrive, so that committing the upload does not
// wait for an import of the whole file: clients upload one layer after another, and an import
// at commit time would add its whole duration to every layer.
//
// The import is only ever a head start. The upload's own file and hash stay the record: when
// anything goes wrong on the way (a chunk cut off and rewound, IPFS failing mid-import, a
// restart that loses this object), the import is abandoned and the commit imports the file as
// it would have without one. The store pins only once the import is ended, which happens after
// the upload's digest has been checked, so a rejected upload is never pinned.
import type { PutResult } from '../../ipfs/blob-store';

/** Starts a store write that consumes `source`, cancelled through `signal`. */
export type ImportStarter = (source: AsyncIterable<Uint8Array>, signal: AbortSignal) => Promise<PutResult>;

/** Bytes queued ahead of the import before the upload waits for it (bounded memory per upload). */
export const DEFAULT_IMPORT_QUEUE_BYTES = 4 * 1024 * 1024;

export class StreamingImport {
  /** Bytes handed over so far: the import covers the upload only while this equals its size. */
  fed = 0;
  readonly #chunks: Uint8Array[] = [];
  #queuedBytes = 0;
  readonly #limitBytes: number;
  #ended = false;
  #failure: unknown;
  #dataWaiter?: () => void;
  #roomWaiters: (() => void)[] = [];
  readonly #abort = new AbortController();
  readonly #result: Promise<PutResult>;

  constructor(start: ImportStarter, limitBytes = DEFAULT_IMPORT_QUEUE_BYTES) {
    this.#limitBytes = limitBytes;
    this.#result = start(this.#source(), this.#abort.signal);
    // A failure is kept for end(); until then nobody awaits the result.
    this.#result.catch((error: unknown) => this.#fail(error));
  }

  /** Whether the import can still cover the upload. */
  get usable(): boolean {
    return this.#failure === undefined && !this.#ended;
  }

  /**
   * Queues a chunk for the import; resolves when there is room for more, which is how a slow
   * import slows the upload down instead of piling chunks up in memory. Once the import has
   * failed or ended, chunks are dropped and this resolves at once.
   */
  push(chunk: Uint8Array): Promise<void> {
    if (!this.usable) return Promise.resolve();
    this.#chunks.push(chunk);
    this.#queuedBytes += chunk.byteLength;
    this.fed += chunk.byteLength;
    this.#wakeReader();
    if (this.#queuedBytes < this.#limitBytes) return Promise.resolve();
    return new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
  }

  /** No more bytes: resolves with the stored file once the import has written (and pinned) it. */
  end(): Promise<PutResult> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    this.#ended = true;
    this.#wakeReader();
    return this.#result;
  }

  /** Cancels the import; nothing is pinned, and an end() already waiting rejects. */
  abandon(): void {
    if (this.#failure !== undefined) return;
    this.#fail(new Error('the import was abandoned'));
    this.#abort.abort(this.#failure);
  }

  #fail(error: unknown): void {
    this.#failure ??= error;
    this.#chunks.length = 0;
    this.#queuedBytes = 0;
    this.#wakeReader();
    this.#releaseWriters();
  }

  #wakeReader(): void {
    const wake = this.#dataWaiter;
    this.#dataWaiter = undefined;
    wake?.();
  }

  #releaseWriters(): void {
    const waiting = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const resolve of waiting) resolve();
  }

  async *#source(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      const chunk = this.#chunks.shift();
      if (chunk) {
        this.#queuedBytes -= chunk.byteLength;
        if (this.#queuedBytes < this.#limitBytes) this.#releaseWriters();
        yield chunk;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#dataWaiter = resolve));
    }
  }
}
