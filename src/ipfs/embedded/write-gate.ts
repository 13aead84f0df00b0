// Block writes and the garbage collector's sweep take turns. The sweep decides from a block
// file's time whether it may go, then deletes it by name; a write of the same block in between
// (an upload of bytes that an unpinned file also had) would be deleted with it. So writes wait
// while a sweep runs, and a sweep starts once the writes under way have finished. Both are
// short: a block write is one small file, and a sweep one pass over the block directory.
export class WriteGate {
  #writing = 0;
  #drained?: () => void;
  /** Settles when the running sweep ends; absent when none runs. */
  #sweeping?: Promise<void>;

  /** Runs one block write, after any sweep in progress. */
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

  /** Runs `work` with no block write under way or starting. */
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
