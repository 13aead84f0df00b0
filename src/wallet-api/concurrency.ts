// What the API holds open at once: progress streams (each a connection, a timer and a listener
// for up to the transaction timeout) and transactions it follows (each a node subscription).
// The rate limits bound how fast they are asked for, not how many pile up: these bound that,
// per client IP and signer, and in total, so one client cannot take them all.
export interface WalletApiConcurrency {
  /** Progress streams (GET /extrinsics/{hash}/events) open at once from one IP; default 16. */
  readonly streamsPerIp?: number;
  /** …and from everyone; default 1024. */
  readonly streams?: number;
  /** Transactions one signer has submitted here that are not yet finalized or failed; default 8. */
  readonly pendingPerSigner?: number;
  /** …and of all signers; default 1024. */
  readonly pending?: number;
}

export const DEFAULT_WALLET_API_CONCURRENCY = { streamsPerIp: 16, streams: 1024, pendingPerSigner: 8, pending: 1024 } as const satisfies Required<WalletApiConcurrency>;

/** Counts held slots per key and in total; `take` refuses beyond either bound. */
export class Slots {
  readonly #perKey: number;
  readonly #total: number;
  readonly #held = new Map<string, number>();
  #count = 0;

  constructor(perKey: number, total: number) {
    this.#perKey = perKey;
    this.#total = total;
  }

  /** The bound `key` or everyone is at, or undefined after taking a slot. */
  take(key: string): 'key' | 'total' | undefined {
    const held = this.#held.get(key) ?? 0;
    if (held >= this.#perKey) return 'key';
    if (this.#count >= this.#total) return 'total';
    this.#held.set(key, held + 1);
    this.#count++;
    return undefined;
  }

  release(key: string): void {
    const held = this.#held.get(key);
    if (held === undefined) return;
    if (held <= 1) this.#held.delete(key);
    else this.#held.set(key, held - 1);
    this.#count--;
  }

  get count(): number {
    return this.#count;
  }
}
