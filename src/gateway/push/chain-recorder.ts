// Records pushes on chain: ONE extrinsic per manifest, `Proxy.proxy(owner, NonTransfer,
// Utility.batch_all([...]))` signed by the gateway's key, so the records land all together or
// not at all. Nonces are handed out here so concurrent pushes do not collide in the pool, and a
// batch too large for the chain is refused before anything is signed (batch-limits.ts).
import type { ApiPromise } from '@polkadot/api';
import { addManifest, asProxy, batchAll, ChainTxError, type DigestType, pushedByStatement, storeDigestInfo, submitTx, type Tx, type TxResult, type TxSigner, type TxStatusName } from '../../chain';
import { ChainUnavailableError } from '../errors/from-internal';
import { checkBatchFits } from './batch-limits';

/** How long one push may hold the turn to submit before the next one goes ahead anyway. */
const SUBMIT_TURN_MS = 30_000;
/** Statuses that say the node holds the transaction (and so its nonce); a failure releases the turn only once the nonce is given back. */
const TAKEN: ReadonlySet<TxStatusName> = new Set(['ready', 'future', 'broadcast', 'inBlock', 'finalized']);
/** Signings of one push when its nonce keeps being taken by another process with the same key. */
const NONCE_ATTEMPTS = 4;

/** The node refused the transaction because its nonce was used or is held by another waiting transaction. */
function isNonceCollision(error: unknown): boolean {
  return error instanceof ChainTxError && error.kind === 'invalid' && (error.is('TxPool', 'PriorityTooLow') || error.is('InvalidTransaction', 'Stale'));
}

export interface PushRecords {
  /** The space owner the gateway acts for (SS58). */
  readonly owner: string;
  readonly repo: string;
  readonly digests: readonly { digest: string; type: DigestType; cid: string }[];
  /** The manifest a tag points at; absent for manifests pushed by digest (recorded in `digests`). */
  readonly head?: { image: string; tag: string; digest: string; cid: string };
  /** The logged-in account that pushed (the owner or a member), stated in the batch for the index. */
  readonly pushedBy?: string;
}

export class ChainRecorder {
  readonly #api: ApiPromise;
  readonly #signer: TxSigner;
  readonly #until: 'inBlock' | 'finalized';
  readonly #timeoutMs: number;
  #nextNonce = -1;
  /** Settles when the push before has been taken into the pool or refused: pushes submit in turn. */
  #turn: Promise<void> = Promise.resolve();
  readonly #listeners: ((records: PushRecords) => void)[] = [];

  constructor(api: ApiPromise, signer: TxSigner, options: { until?: 'inBlock' | 'finalized'; timeoutMs?: number } = {}) {
    this.#api = api;
    this.#signer = signer;
    this.#until = options.until ?? 'inBlock';
    this.#timeoutMs = options.timeoutMs ?? 120_000;
  }

  get address(): string {
    return this.#signer.address;
  }

  /** Told of each set of records once the chain has taken it (the trustless gateway serves those CIDs at once). */
  onRecorded(listener: (records: PushRecords) => void): void {
    this.#listeners.push(listener);
  }

  /** Throws a client error (nothing signed) when these records cannot go in one transaction. */
  checkFits(records: PushRecords): void {
    const calls = this.#calls(records);
    checkBatchFits(this.#api, calls.length, this.#batch(records, calls).encodedLength, records);
  }

  async record(records: PushRecords): Promise<TxResult> {
    if (!this.#api.isConnected) throw new ChainUnavailableError('the chain is not connected, so the push cannot be recorded');
    const calls = this.#calls(records);
    const build = () => this.#batch(records, calls);
    checkBatchFits(this.#api, calls.length, build().encodedLength, records);
    const result = await this.#submitInTurn(build);
    for (const listener of this.#listeners) listener(records);
    return result;
  }

  /**
   * Takes the next nonce and submits, holding the turn until the node has taken the transaction
   * into its pool (its first status) or refused it. Pushes run at once and share one key: were the
   * next push to take nonce n+1 while the one holding n is still being signed and submitted, a
   * refusal of n (an unpayable fee, a full pool) would leave n+1 waiting in the pool behind a gap
   * no block fills. That push would time out with a 503 and land later, whenever another push
   * happened to fill the gap, after its client was told it failed. Refused, a nonce is asked of
   * the chain again before the next push takes one.
   */
  async #submitInTurn(build: () => Tx): Promise<TxResult> {
    const previous = this.#turn;
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    this.#turn = previous.then(() => turn);
    await previous;
    // A node that neither takes nor refuses the transaction must not stop every other push.
    const fallback = setTimeout(release, SUBMIT_TURN_MS);
    const done = () => {
      clearTimeout(fallback);
      release();
    };
    try {
      for (let attempt = 1; ; attempt++) {
        const nonce = await this.#takeNonce();
        try {
          return await submitTx(this.#api, build(), this.#signer, { until: this.#until, nonce, timeoutMs: this.#timeoutMs, onStatus: (update) => (TAKEN.has(update.status) ? done() : undefined) });
        } catch (error) {
          // A refused transaction did not use its nonce: ask the chain again next time.
          if ((error as { kind?: string }).kind !== 'dispatch') this.#nextNonce = -1;
          // Another process signing with the same key (gateways behind one load balancer) took
          // this nonce first: nothing was recorded, so sign again with the next one rather than
          // answer the client 503 for a race it cannot see.
          if (attempt < NONCE_ATTEMPTS && isNonceCollision(error)) continue;
          throw error;
        }
      }
    } finally {
      done();
    }
  }

  #calls(records: PushRecords): Tx[] {
    const calls = records.pushedBy ? [pushedByStatement(this.#api, records.pushedBy)] : [];
    calls.push(...records.digests.map((d) => storeDigestInfo(this.#api, { repo: records.repo, digest: d.digest, type: d.type, cid: d.cid })));
    if (records.head) calls.push(addManifest(this.#api, { repo: records.repo, image: records.head.image, tag: records.head.tag, digest: records.head.digest, cid: records.head.cid }));
    return calls;
  }

  #batch(records: PushRecords, calls: Tx[]): Tx {
    return asProxy(this.#api, records.owner, batchAll(this.#api, calls), 'NonTransfer');
  }

  /** The next nonce: the chain's (counting the pool), or past the last one this recorder handed out. */
  async #takeNonce(): Promise<number> {
    const onChain = (await this.#api.rpc.system.accountNextIndex(this.#signer.address)).toNumber();
    const nonce = Math.max(onChain, this.#nextNonce);
    this.#nextNonce = nonce + 1;
    return nonce;
  }
}
