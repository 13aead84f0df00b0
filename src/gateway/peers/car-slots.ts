// How many CARs this gateway asks of one peer (by origin) at once. A trustless gateway admits a
// bounded number of open CARs per client (32 by default, car-admission.ts) and answers 429 past
// it; a burst of cold reads (a pull of many layers, many pulls at once) would meet that bound and
// pay a Retry-After for each CAR past it (busy-peer.ts). So at most DEFAULT_CARS_AT_ONCE are
// open, the rest queued in the order asked. A slot is held until its CAR is read or let go of,
// which takes as long as a slow client downstream does: a request queued for longer than
// `maxQueueMs` goes out anyway, over the bound (the peer's own 429 then decides), so that a few
// clients that stop reading do not hold every other cold read of this gateway. Single blocks are
// not counted (nor by the peer): a CAR's walk asks for a recurring block alone while its CAR is
// open, which a full set of slots would otherwise hold up for good.

/** Half a trustless gateway's bound per client: room for another replica behind the same address. */
export const DEFAULT_CARS_AT_ONCE = 16;

export class CarSlots {
  #open = 0;
  /** Requests waiting for a slot, first asked first. */
  readonly #queue: (() => void)[] = [];

  constructor(
    readonly atOnce = DEFAULT_CARS_AT_ONCE,
    readonly maxQueueMs = 10_000,
  ) {}

  /** Waits for a slot (in turn, at most maxQueueMs); returns its release, which may be called more than once. */
  async take(signal?: AbortSignal): Promise<() => void> {
    if (this.#open < this.atOnce && this.#queue.length === 0) this.#open++;
    else await this.#queued(signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open--;
      this.#next();
    };
  }

  #queued(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const at = this.#queue.indexOf(go);
        if (at >= 0) this.#queue.splice(at, 1);
      };
      const go = () => {
        leave();
        this.#open++;
        resolve();
      };
      const onAbort = () => {
        leave();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('the request was aborted'));
      };
      const timer = setTimeout(go, this.maxQueueMs);
      this.#queue.push(go);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
    });
  }

  #next(): void {
    while (this.#open < this.atOnce && this.#queue.length > 0) this.#queue[0]();
  }
}
