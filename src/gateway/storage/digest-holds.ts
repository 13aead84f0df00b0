// Which digests this process is bringing into use, so the cleanup sweep does not take them away
// half-way. A push checks that its blobs are here, then spends seconds on the chain before it
// marks them referenced; an upload pins its bytes, then writes their record. A sweep judging an
// old, unreferenced blob in between unpinned it and removed its record, and its garbage
// collection then deleted the blocks a manifest just recorded on chain pointed at. Each of those
// paths holds its digests from its first look to its last write; the sweep passes over a digest
// anything holds, and a path that finds the sweep at work on one of its digests waits until the
// sweep is done with it (and then finds the blob gone, or puts it back). Within one process only:
// gateways sharing a data dir do not see each other's holds.

/** Lets go of what `hold` took; calling it again does nothing. */
export type Release = () => void;

export class DigestHolds {
  readonly #holders = new Map<string, number>();
  readonly #sweeping = new Map<string, Promise<void>>();

  /**
   * Holds `digests` against the sweep until the returned release is called. Waits first for a
   * sweep at work on any of them: what the caller then looks at is what the sweep left.
   */
  async hold(digests: Iterable<string>): Promise<Release> {
    const wanted = [...new Set(digests)];
    for (;;) {
      const busy = wanted.flatMap((digest) => this.#sweeping.get(digest) ?? []);
      if (busy.length === 0) break;
      await Promise.all(busy);
    }
    // No await since the check above: no sweep can have started on one of them in between.
    for (const digest of wanted) this.#holders.set(digest, (this.#holders.get(digest) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const digest of wanted) {
        const left = this.#holders.get(digest)! - 1;
        if (left === 0) this.#holders.delete(digest);
        else this.#holders.set(digest, left);
      }
    };
  }

  /** Runs `work` with `digests` held, letting go of them however it ends. */
  async holding<T>(digests: Iterable<string>, work: () => Promise<T>): Promise<T> {
    const release = await this.hold(digests);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /**
   * The sweep's turn at one digest: undefined while anything holds it (the sweep passes it over,
   * for its next round), else a release to call once its record and pin are dealt with. Holds
   * asked for meanwhile wait for that release.
   */
  sweep(digest: string): Release | undefined {
    if (this.#holders.has(digest) || this.#sweeping.has(digest)) return undefined;
    let done!: () => void;
    this.#sweeping.set(digest, new Promise<void>((resolve) => (done = resolve)));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#sweeping.delete(digest);
      done();
    };
  }

  /** Whether anything holds `digest` now. */
  isHeld(digest: string): boolean {
    return this.#holders.has(digest);
  }
}
