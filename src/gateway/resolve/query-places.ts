// The places one gateway has at the index: `hcr graphql` answers one client at most
// GQL_MAX_CONCURRENT_PER_CLIENT requests at once, and every part of the gateway that asks it
// (pull lookups, the doors' listings, the page's relay, /readyz) is the same client to it.

/**
 * At most `limit` requests at once, the others waiting in order of arrival (a request sent again
 * after a 429 first) until a place is free or their deadline passes. A waiting request that gives
 * up leaves the line; a place is given back once.
 */
export class QueryPlaces {
  #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Takes a server's bound as this client's own when it is smaller (never 0: that means no bound). */
  lower(bound: unknown): void {
    if (typeof bound === 'number' && Number.isInteger(bound) && bound >= 1 && bound < this.#limit) this.#limit = bound;
  }

  take(deadline: AbortSignal, first = false): Promise<() => void> {
    if (deadline.aborted) return Promise.reject(deadline.reason);
    if (this.#running < this.#limit && this.#waiting.length === 0) return Promise.resolve(this.#hold());
    return new Promise((resolve, reject) => {
      const turn = () => {
        deadline.removeEventListener('abort', giveUp);
        resolve(this.#hold());
      };
      const giveUp = () => {
        const at = this.#waiting.indexOf(turn);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(deadline.reason);
      };
      deadline.addEventListener('abort', giveUp, { once: true });
      if (first) this.#waiting.unshift(turn);
      else this.#waiting.push(turn);
    });
  }

  #hold(): () => void {
    this.#running += 1;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#running -= 1;
      while (this.#running < this.#limit && this.#waiting.length > 0) this.#waiting.shift()!();
    };
  }
}
