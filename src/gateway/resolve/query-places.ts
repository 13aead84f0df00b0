// The places one gateway has at the index: `hcr graphql` answers one client at most
// GQL_MAX_CONCURRENT_PER_CLIENT requests at once, and every part of the gateway that asks it
// (pull lookups, the doors' listings, the page's relay, /readyz) is the same client to it.
//
// Listings, the relay and /readyz are asked for by anyone, from any number of addresses, and may
// be slow; a pull whose lookup waits past its 3 s falls back to chain storage (or, for a contested
// name, answers 503). First come, first served, enough of them held every place and kept pulls
// waiting. So pulls may take any place and go first in line, while the others leave some places
// to pulls.

/**
 * Who asks the index. A `pull` (a pull's lookups: tag → digest → CID, the repository's records)
 * may take every place and is served before the others; `listing` (the doors' listings and
 * searches, the OCI catalog and tag lists, a mirror's scans), `relay` (the page's /api/graphql)
 * and `readiness` (/readyz) share what pulls leave.
 */
export type QueryKind = 'pull' | 'listing' | 'relay' | 'readiness';

/**
 * Places kept for pulls out of `limit`: a quarter, at least one. With a single place (an index
 * whose 429 named a bound of 1) none is kept, since a bound is never raised again and keeping it
 * would refuse every listing, relayed query and /readyz for good; pulls still go first in line.
 */
export function keptForPulls(limit: number): number {
  return limit < 2 ? 0 : Math.max(1, Math.floor(limit / 4));
}

/**
 * At most `limit` requests at once, and at most `limit − keptForPulls(limit)` of them other than
 * pulls. The others wait until a place is free or their deadline passes: pulls before the rest,
 * each line in order of arrival (a request sent again after a 429 first in its line). A waiting
 * request that gives up leaves the line; a place is given back once.
 */
/** How long a bound named in a 429 is kept after it was last named. */
export const LOWERED_FOR_MS = 10 * 60_000;

export class QueryPlaces {
  #limit: number;
  #running = 0;
  /** Requests running that are not pulls. */
  #othersRunning = 0;
  readonly #pulls: (() => void)[] = [];
  readonly #others: (() => void)[] = [];

  /** The limit configured; a lowered one returns to it once it has not been named again for a while. */
  readonly #configured: number;
  #loweredAt = 0;
  readonly #now: () => number;

  constructor(limit: number, now: () => number = Date.now) {
    this.#limit = limit;
    this.#configured = limit;
    this.#now = now;
  }

  get limit(): number {
    // An index restarted with a higher bound (or none) never says so: after LOWERED_FOR_MS without
    // a 429 naming a bound, the configured limit applies again, and a 429 lowers it again if need be.
    if (this.#limit < this.#configured && this.#now() - this.#loweredAt >= LOWERED_FOR_MS) {
      this.#limit = this.#configured;
      this.#serve();
    }
    return this.#limit;
  }

  /** How many places requests of `kind` may hold at once now. */
  placesFor(kind: QueryKind): number {
    const limit = this.limit;
    return kind === 'pull' ? limit : limit - keptForPulls(limit);
  }

  /** Takes a server's bound as this client's own when it is smaller (never 0: that means no bound). */
  lower(bound: unknown): void {
    if (typeof bound !== 'number' || !Number.isInteger(bound) || bound < 1 || bound >= this.#configured) return;
    this.#limit = Math.min(this.#limit, bound);
    this.#loweredAt = this.#now();
  }

  take(deadline: AbortSignal, kind: QueryKind, first = false): Promise<() => void> {
    if (deadline.aborted) return Promise.reject(deadline.reason);
    const line = kind === 'pull' ? this.#pulls : this.#others;
    return new Promise((resolve, reject) => {
      const turn = () => {
        deadline.removeEventListener('abort', giveUp);
        resolve(this.#hold(kind));
      };
      const giveUp = () => {
        const at = line.indexOf(turn);
        if (at >= 0) line.splice(at, 1);
        reject(deadline.reason);
      };
      deadline.addEventListener('abort', giveUp, { once: true });
      // In line first, then served if nobody before it is waiting: the same path as a place given back.
      if (first) line.unshift(turn);
      else line.push(turn);
      this.#serve();
    });
  }

  #serve(): void {
    while (this.#running < this.limit) {
      if (this.#pulls.length > 0) this.#pulls.shift()!();
      else if (this.#others.length > 0 && this.#othersRunning < this.placesFor('listing')) this.#others.shift()!();
      else return;
    }
  }

  #hold(kind: QueryKind): () => void {
    const other = kind !== 'pull';
    this.#running += 1;
    if (other) this.#othersRunning += 1;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#running -= 1;
      if (other) this.#othersRunning -= 1;
      this.#serve();
    };
  }
}
