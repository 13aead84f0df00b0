// How many bytes of RegisterPlugin messages the gateway holds in memory at once, over every
// publisher. gRPC reads a whole message into memory before the handler sees it (a plugin sent as
// a data URL is up to the server's largest message, 64 MiB by default), and each account may have
// 16 uploads at once: without a bound over them all, a few publishers could hold gigabytes. A
// call takes the largest message it could send when it is admitted (its size is not known before
// it arrives), keeps only what its message turned out to hold, and gives it all back when it ends.
// A call that finds no room waits for some (a few seconds at most): calls sent together mostly
// carry small messages, and make room for one another as soon as those arrived. One account holds
// at most half of the budget, so that one publisher alone cannot stop the others.
export const DEFAULT_PLUGIN_MESSAGE_BUDGET_FACTOR = 4;

export interface BudgetShare {
  /** Keeps `bytes` of the share (less than taken: the message was smaller than the largest). */
  shrinkTo(bytes: number): void;
  /** Gives the share back; twice is fine. */
  release(): void;
}

export interface PendingShare {
  /** The share, or undefined when no room was made within the wait. */
  readonly share: Promise<BudgetShare | undefined>;
  /** Stops waiting (the call ended); a share already given must still be released. */
  cancel(): void;
}

interface Waiter {
  readonly bytes: number;
  readonly holder: string;
  grant(share: BudgetShare | undefined): void;
}

export class MessageBudget {
  #used = 0;
  readonly #byHolder = new Map<string, number>();
  readonly #waiting: Waiter[] = [];

  constructor(readonly totalBytes: number) {}

  get usedBytes(): number {
    return this.#used;
  }

  /** A share of `bytes` for `holder` (an account), or undefined when the budget cannot hold it now. */
  take(bytes: number, holder = ''): BudgetShare | undefined {
    return this.#fits(bytes, holder) ? this.#share(bytes, holder) : undefined;
  }

  /** A share of `bytes` for `holder`, now or once other shares made room, waiting `waitMs` at most. */
  wait(bytes: number, holder: string, waitMs: number): PendingShare {
    const now = this.#waiting.length === 0 ? this.take(bytes, holder) : undefined;
    if (now) return { share: Promise.resolve(now), cancel: () => undefined };
    let settle!: (share: BudgetShare | undefined) => void;
    const share = new Promise<BudgetShare | undefined>((resolve) => (settle = resolve));
    const leave = () => {
      const at = this.#waiting.indexOf(waiter);
      if (at >= 0) this.#waiting.splice(at, 1);
      clearTimeout(timer);
    };
    const waiter: Waiter = { bytes, holder, grant: (given) => (leave(), settle(given)) };
    const timer = setTimeout(() => waiter.grant(undefined), waitMs);
    timer.unref();
    this.#waiting.push(waiter);
    return { share, cancel: () => waiter.grant(undefined) };
  }

  #fits(bytes: number, holder: string): boolean {
    const holderUsed = this.#byHolder.get(holder) ?? 0;
    if (this.#used + bytes > this.totalBytes) return false;
    return holderUsed === 0 || holderUsed + bytes <= this.totalBytes / 2;
  }

  #share(bytes: number, holder: string): BudgetShare {
    let held = 0;
    const change = (delta: number) => {
      held += delta;
      this.#used += delta;
      const next = (this.#byHolder.get(holder) ?? 0) + delta;
      if (next > 0) this.#byHolder.set(holder, next);
      else this.#byHolder.delete(holder);
      if (delta < 0) this.#admitWaiting();
    };
    change(bytes);
    return {
      shrinkTo: (kept) => change(Math.max(0, Math.min(held, kept)) - held),
      release: () => change(-held),
    };
  }

  /** Gives room to the calls waiting for it, oldest first, each that fits. */
  #admitWaiting(): void {
    for (const waiter of [...this.#waiting]) {
      if (this.#fits(waiter.bytes, waiter.holder)) waiter.grant(this.#share(waiter.bytes, waiter.holder));
    }
  }
}

/** What a received RegisterPluginRequest holds: its strings (the plugin's data URL, mostly). */
export function messageBytes(message: unknown): number {
  if (typeof message !== 'object' || message === null) return 0;
  return Object.values(message).reduce((sum: number, value) => sum + (typeof value === 'string' ? value.length : 0), 0);
}
