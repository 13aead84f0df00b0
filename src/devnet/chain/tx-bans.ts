// Hashes of transactions the pool will not take again for a while, as a Substrate node keeps
// them: those just included in a best block and those removed as invalid. A node answers a
// resubmission of such a hash with 1012 "Transaction is temporarily banned" before it looks at
// the transaction at all, so a client resending an included extrinsic hears "banned", not
// "outdated".

/** A node's default `--tx-ban-seconds`. */
export const DEFAULT_BAN_MS = 30 * 60_000;

/**
 * A node keeps about this many bans: past twice as many, the oldest go first. Without a bound a
 * client submitting and removing transactions without end would grow the list without end.
 */
const EXPECTED_BANS = 2048;

export class TxBans {
  /** hash → when the ban ends (ms); insertion order is ban order. */
  readonly #until = new Map<string, number>();

  constructor(
    readonly banMs = DEFAULT_BAN_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#until.size;
  }

  ban(hashes: Iterable<string>): void {
    const until = this.now() + this.banMs;
    for (const hash of hashes) {
      // Re-banning moves the hash to the end, so the trim below drops the oldest bans first.
      this.#until.delete(hash);
      this.#until.set(hash, until);
    }
    if (this.#until.size > 2 * EXPECTED_BANS) {
      for (const hash of this.#until.keys()) {
        if (this.#until.size <= EXPECTED_BANS) break;
        this.#until.delete(hash);
      }
    }
  }

  /** Lifts bans, e.g. of transactions whose block was retracted (a client may send them again). */
  lift(hashes: Iterable<string>): void {
    for (const hash of hashes) this.#until.delete(hash);
  }

  isBanned(hash: string): boolean {
    const until = this.#until.get(hash);
    if (until === undefined) return false;
    if (until >= this.now()) return true;
    this.#until.delete(hash);
    return false;
  }
}
