// Blocks handed from a producer to a consumer that reads them as an async iterable (a store's
// putBlocks), holding at most a few: push() waits while the consumer is behind, so a slow disk
// slows the download instead of filling memory.
import type { DagBlock } from '../../ipfs/blob-store';

const HELD = 8;

export class BlockChannel implements AsyncIterable<DagBlock> {
  readonly #queue: DagBlock[] = [];
  #closed = false;
  #failure: Error | undefined;
  #wakeConsumer: (() => void) | undefined;
  #wakeProducer: (() => void) | undefined;

  async push(block: DagBlock): Promise<void> {
    if (this.#closed) throw new Error('the channel is closed');
    while (this.#queue.length >= HELD && !this.#failure) await new Promise<void>((resolve) => (this.#wakeProducer = resolve));
    if (this.#failure) throw this.#failure;
    this.#queue.push(block);
    this.#wake('consumer');
  }

  close(): void {
    this.#closed = true;
    this.#wake('consumer');
  }

  /** Ends the iteration with `error` (what was pushed before it is still handed over first). */
  fail(error: Error): void {
    this.#failure = error;
    this.#closed = true;
    this.#wake('consumer');
    this.#wake('producer');
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<DagBlock> {
    for (;;) {
      const block = this.#queue.shift();
      if (block) {
        this.#wake('producer');
        yield block;
        continue;
      }
      if (this.#failure) throw this.#failure;
      if (this.#closed) return;
      await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
    }
  }

  #wake(who: 'consumer' | 'producer'): void {
    const wake = who === 'consumer' ? this.#wakeConsumer : this.#wakeProducer;
    if (who === 'consumer') this.#wakeConsumer = undefined;
    else this.#wakeProducer = undefined;
    wake?.();
  }
}
