// A WebSocket provider that checks, on every connection it makes, that the node still serves the
// chain it served first: the same genesis hash, and the block it had finalized at the last check.
// polkadot.js reconnects on its own when a socket drops and then goes on as if nothing changed:
// it reads the genesis hash and metadata once, at the first connection. Behind the same URL there
// may then be another chain (a load balancer or DNS name moved to another network's node, a node
// restarted on another chain spec), whose storage the process would read as this chain's, under
// the names, digests and CIDs it already trusts; or the same chain started again from its genesis
// (a dev chain restarted without its data), whose spaces and records are others than those the
// process has cached.
//
// Every call waits for the check of the connection it goes out on. On another chain, calls fail
// with ChainConnectionError ('wrong-chain', a retryable 503 at the gateway), the socket is closed,
// and a new connection is tried every few seconds; subscriptions wait instead of failing, so they
// come back, with everything else, once the URL serves the chain again.
import { WsProvider } from '@polkadot/api';
import { ChainConnectionError } from './chain-connection-error';
import { shownHash } from './shown-hash';

/** Delay between connection attempts (polkadot.js's own default). */
export const RECONNECT_MS = 2_500;

type Subscription = Parameters<WsProvider['send']>[3];

/** Told when calls start being refused (with why) and when the chain is served again (undefined). */
export type ChainNotice = (refused: ChainConnectionError | undefined) => void;

export class GenesisCheckedWsProvider extends WsProvider {
  readonly #url: string;
  readonly #reconnectMs: number;
  /** The genesis hash of the chain served at the first connection. */
  #genesis: string | undefined;
  /** The check of the current connection; undefined until a call needs it. */
  #check: Promise<void> | undefined;
  /** Settles when a connection is found to serve the chain (subscriptions wait for it). */
  #good = deferred();
  /** The chain's finalized block when a connection was last found to serve it. */
  #finalized: { number: number; hash: string } | undefined;
  #mismatch: ChainConnectionError | undefined;
  /** Set once a mismatch closed a socket: polkadot.js no longer reconnects, this class does. */
  #reconnecting = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;

  readonly #notice?: ChainNotice;

  /** `notice` hears each change: a connection refused (its error), and the chain served again. */
  constructor(url: string, options: { reconnectMs?: number; notice?: ChainNotice } = {}) {
    const reconnectMs = options.reconnectMs ?? RECONNECT_MS;
    super(url, reconnectMs);
    this.#url = url;
    this.#reconnectMs = reconnectMs;
    this.#notice = options.notice;
    this.on('disconnected', () => this.#onDisconnected());
    // Checked as soon as a connection opens, so subscriptions waiting for the chain need no other call.
    this.on('connected', () => void this.#checked(false).catch(() => undefined));
  }

  /** Why calls are refused: the node behind the URL serves another chain (until it serves this one again). */
  get mismatch(): ChainConnectionError | undefined {
    return this.#mismatch;
  }

  override send<T = unknown>(method: string, params: unknown[], isCacheable?: boolean, subscription?: Subscription): Promise<T> {
    return this.#checked(subscription !== undefined).then(() => super.send<T>(method, params, isCacheable, subscription));
  }

  override async disconnect(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#good.reject(new Error(`disconnected from ${this.#url}`));
    await super.disconnect();
  }

  #checked(waitForTheChain: boolean): Promise<void> {
    // Between a refused connection and the next one, a call hears why, not "not connected".
    if (this.#mismatch && !this.isConnected && !waitForTheChain) return Promise.reject(this.#mismatch);
    this.#check ??= this.#verify();
    return waitForTheChain ? this.#check.catch(() => this.#good.promise) : this.#check;
  }

  async #verify(): Promise<void> {
    let refusal: string | undefined;
    try {
      refusal = await this.#refusal();
    } catch (error) {
      // Not an answer about the chain (the socket dropped, the node erred): the next call asks again.
      this.#check = undefined;
      throw error;
    }
    if (refusal === undefined) {
      if (this.#mismatch) this.#notice?.(undefined);
      this.#mismatch = undefined;
      this.#good.resolve();
      return;
    }
    const before = this.#mismatch?.message;
    this.#mismatch = new ChainConnectionError(
      this.#url,
      'wrong-chain',
      `${refusal}; nothing is read from it, and the connection is tried again every ${this.#reconnectMs / 1000} s: point chain.rpc (--chain, CHAIN_RPC) back at a node of the chain this process connected to, or restart to take the new chain`,
    );
    if (this.#mismatch.message !== before) this.#notice?.(this.#mismatch);
    this.#reconnecting = true;
    // polkadot.js's own disconnect also ends its reconnecting; this class reconnects from here on.
    await super.disconnect().catch(() => undefined);
    throw this.#mismatch;
  }

  /**
   * Why this connection's node is not the chain's, or undefined when it is. The genesis hash
   * tells another network; a chain started again from the same genesis (a dev chain restarted
   * without its data, a fork) is told by the block it had finalized when last checked, which a
   * node of the chain has, at that height, for good.
   */
  async #refusal(): Promise<string | undefined> {
    const call = <T>(method: string, params: unknown[]) => super.send<T>(method, params);
    const genesis = String(await call<string>('chain_getBlockHash', [0])).toLowerCase();
    this.#genesis ??= genesis;
    if (genesis !== this.#genesis) return `the node at ${this.#url} now serves another chain: its genesis hash is ${shownHash(genesis)}, not ${shownHash(this.#genesis)} as when this process connected`;
    const known = this.#finalized;
    if (known) {
      const there = await call<string | null>('chain_getBlockHash', [known.number]);
      if (typeof there !== 'string') return `the node at ${this.#url} has no block #${known.number}, which its chain had finalized (${shownHash(known.hash)}) when this process last connected: a node still catching up, or a chain started again`;
      if (there.toLowerCase() !== known.hash) return `the node at ${this.#url} now serves another chain from the same genesis (started again, or a fork): its block #${known.number} is ${shownHash(there)}, not ${shownHash(known.hash)}, finalized when this process last connected`;
    }
    const head = await call<string>('chain_getFinalizedHead', []);
    const number = Number.parseInt((await call<{ number: string }>('chain_getHeader', [head])).number, 16);
    if (Number.isSafeInteger(number) && typeof head === 'string') this.#finalized = { number, hash: head.toLowerCase() };
    return undefined;
  }

  #onDisconnected(): void {
    this.#check = undefined;
    if (this.#good.settled) this.#good = deferred();
    if (this.#reconnecting) this.#reconnectLater();
  }

  #reconnectLater(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      // A refused socket closes with 'disconnected', which schedules the next attempt.
      if (!this.#closed && !this.isConnected) this.connect().catch(() => this.#reconnectLater());
    }, this.#reconnectMs);
    this.#timer.unref();
  }
}

interface Deferred {
  readonly promise: Promise<void>;
  readonly settled: boolean;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  let settled = false;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  // A subscription waiting for the chain when the provider closes is let go of, not reported.
  promise.catch(() => undefined);
  return {
    promise,
    get settled() {
      return settled;
    },
    resolve: () => {
      settled = true;
      resolve();
    },
    reject: (error) => {
      settled = true;
      reject(error);
    },
  };
}
