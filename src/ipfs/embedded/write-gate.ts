// Writes (block writes and pins) and the garbage collector take turns. The collector decides
// from the pins and a block file's time whether a block may go, then deletes it by name; a write
// of the same block in between (an upload of bytes that an unpinned file also had), or a pin of
// unpinned blocks, would lose blocks. So writes wait while a collection runs, and a collection
// starts once the writes under way have finished. Both are short: a block write is one small
// file, a pin one walk of a file's DAG, and a collection one pass over the pins and the blocks.
export class WriteGate {
  #writing = 0;
  #drained?: () => void;
  /** Settles when the running collection ends; absent when none runs. */
  #sweeping?: Promise<void>;

  /** Runs one write, after any collection in progress. */
  async write<T>(work: () => Promise<T>): Promise<T> {
    while (this.#sweeping) await this.#sweeping;
    this.#writing++;
    try {
      return await work();
    } finally {
      this.#writing--;
      if (this.#writing === 0) this.#drained?.();
    }
  }

  /** Runs `work` (a collection) with no write under way or starting. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.#sweeping) await this.#sweeping;
    let end!: () => void;
    this.#sweeping = new Promise<void>((resolve) => (end = resolve));
    try {
      if (this.#writing > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      this.#drained = undefined;
      return await work();
    } finally {
      this.#sweeping = undefined;
      end();
    }
  }
}
