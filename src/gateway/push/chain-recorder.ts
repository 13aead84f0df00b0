// Records pushes on chain: ONE extrinsic per manifest, `Proxy.proxy(owner, NonTransfer,
// Utility.batch_all([...]))` signed by the gateway's key, so the records land all together or
// not at all. Nonces are handed out here so concurrent pushes do not collide in the pool (and a
// nonce a dropped transaction left unused does not stall the pushes after it), a push the node
// removed only because the one ahead of it left the pool is signed again (removed-behind-gap.ts),
// and a batch too large for the chain is refused before anything is signed (batch-limits.ts).
import type { ApiPromise } from '@polkadot/api';
import { addManifest, asProxy, assertChainUsable, batchAll, ChainTxError, type DigestType, nonceFiller, pushedByStatement, storeDigestInfo, submitTx, type Tx, type TxResult, type TxSigner, type TxStatusName, type TxStatusUpdate } from '../../chain';
import { ChainUnavailableError } from '../errors/from-internal';
import { checkBatchFits } from './batch-limits';
import { NonceBook } from './nonce-book';
import { removedBehindGap } from './removed-behind-gap';

/** How long one push may hold the turn to submit before the next one goes ahead anyway. */
const SUBMIT_TURN_MS = 30_000;
/** Statuses that say the node holds the transaction (and so its nonce); a failure releases the turn only once the nonce is given back. */
const TAKEN: ReadonlySet<TxStatusName> = new Set(['ready', 'future', 'broadcast', 'inBlock', 'finalized']);
/** Signings of one push when its nonce keeps being taken by another process with the same key. */
const NONCE_ATTEMPTS = 4;
/** Signings of one push when the node keeps removing it with a transaction ahead of it. */
const GAP_ATTEMPTS = 3;
/** Statuses that say the transaction was in a block: from then on, only the chain can say whether it was recorded. */
const IN_A_BLOCK: ReadonlySet<TxStatusName> = new Set(['inBlock', 'retracted', 'finalityTimeout', 'finalized']);

/** Gaps filled at most after one dropped transaction (there are no more than pushes in flight). */
const MAX_FILLERS = 16;

/**
 * Whether the transaction's nonce is still free: refused at submission, never signed, or removed
 * from the pool as invalid or dropped. (Usurped means another transaction took it; a timeout or a
 * lost connection leaves it unknown.)
 */
function leftNonceUnused(error: unknown): boolean {
  if (!(error instanceof ChainTxError)) return true;
  return error.kind === 'invalid' || error.kind === 'signing' || (error.kind === 'pool' && (error.chainErrorName === 'Invalid' || error.chainErrorName === 'Dropped'));
}

/** The node refused the transaction because its nonce was used or is held by another waiting transaction. */
function isNonceCollision(error: unknown): boolean {
  return error instanceof ChainTxError && error.kind === 'invalid' && (error.is('TxPool', 'PriorityTooLow') || error.is('InvalidTransaction', 'Stale'));
}

/** A submission that failed, with what is known about whether anything of it could be on chain. */
interface FailedSubmission {
  readonly error: unknown;
  readonly nonce: number;
  readonly sawBlock: boolean;
  readonly behindGivenBack: boolean;
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
  readonly #nonces = new NonceBook();
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

  /**
   * Throws the client error `checkFits` would throw were every record in `records` needed, without
   * building a call per record: one is measured and the rest counted alike. A manifest listing
   * thousands of references is thus refused before any of them is looked up.
   */
  checkFitsAtMost(records: PushRecords): void {
    const longest = records.digests.reduce<PushRecords['digests'][number] | undefined>((a, b) => (!a || b.digest.length + b.cid.length > a.digest.length + a.cid.length ? b : a), undefined);
    // The batch measured holds the longest record once (a batch needs a call); the others are added by size.
    const base = { ...records, digests: longest ? [longest] : [] };
    const baseCalls = this.#calls(base);
    if (baseCalls.length === 0) return;
    const others = records.digests.length - base.digests.length;
    const perRecord = longest ? storeDigestInfo(this.#api, { repo: records.repo, ...longest }).method.encodedLength : 0;
    // batch_all's call count is compact-encoded: at most 4 more bytes than for the base batch.
    const bytes = this.#batch(base, baseCalls).encodedLength + others * perRecord + 4;
    checkBatchFits(this.#api, baseCalls.length + others, bytes, records, { upTo: true });
  }

  async record(records: PushRecords): Promise<TxResult> {
    assertChainUsable(this.#api, () => new ChainUnavailableError('the chain is not connected, so the push cannot be recorded'));
    const calls = this.#calls(records);
    const build = () => this.#batch(records, calls);
    checkBatchFits(this.#api, calls.length, build().encodedLength, records);
    const result = await this.#submitAgainIfRemovedBehindGap(build);
    for (const listener of this.#listeners) listener(records);
    return result;
  }

  /**
   * Submits in turn, and signs again (in a new turn, with a fresh nonce) when the node removed the
   * transaction only because one ahead of it left the pool: the push was not at fault and nothing
   * of it was recorded, so the client should not hear 503 for it.
   */
  async #submitAgainIfRemovedBehindGap(build: () => Tx): Promise<TxResult> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#submitInTurn(build);
      if ('result' in outcome) return outcome.result;
      if (attempt < GAP_ATTEMPTS && (await this.#wasRemovedBehindGap(outcome))) continue;
      throw outcome.error;
    }
  }

  async #wasRemovedBehindGap(outcome: FailedSubmission): Promise<boolean> {
    let stateNonce: number;
    try {
      stateNonce = (await this.#api.query.system.account(this.#signer.address)).nonce.toNumber();
    } catch {
      return false; // Without the chain's word the push may have been recorded: report the failure.
    }
    // Read after the state: a removal notice for a transaction ahead of this one has had time to arrive.
    return removedBehindGap({ ...outcome, stateNonce, heldBelow: this.#nonces.heldBelow(outcome.nonce) });
  }

  /**
   * Takes the next nonce and submits, holding the turn until the node has taken the transaction
   * into its pool (its first status) or refused it. Pushes run at once and share one key: were the
   * next push to take nonce n+1 while the one holding n is still being signed and submitted, a
   * refusal of n (an unpayable fee, a full pool) would leave n+1 waiting in the pool behind a gap
   * no block fills. That push would time out with a 503 and land later, whenever another push
   * happened to fill the gap, after its client was told it failed. A nonce left unused (refused,
   * or dropped from the pool later) is taken again by the next push, and what already waits
   * behind it gets the gap filled at once (#fillHoles).
   */
  async #submitInTurn(build: () => Tx): Promise<{ result: TxResult } | FailedSubmission> {
    return this.#inTurn(async (taken) => {
      for (let attempt = 1; ; attempt++) {
        const nonce = this.#nonces.take(await this.#chainNextIndex());
        let sawBlock = false;
        const onStatus = (update: TxStatusUpdate) => {
          if (IN_A_BLOCK.has(update.status)) sawBlock = true;
          if (TAKEN.has(update.status)) taken();
        };
        let result: TxResult;
        try {
          result = await submitTx(this.#api, build(), this.#signer, { until: this.#until, nonce, timeoutMs: this.#timeoutMs, onStatus });
        } catch (error) {
          const unused = leftNonceUnused(error);
          const behindGivenBack = this.#nonces.release(nonce, { unused });
          if (unused) this.#fillHolesAbove(nonce);
          // Another process signing with the same key (gateways behind one load balancer) took
          // this nonce first: nothing was recorded, so sign again with the next one rather than
          // answer the client 503 for a race it cannot see.
          if (attempt < NONCE_ATTEMPTS && isNonceCollision(error)) continue;
          return { error, nonce, sawBlock, behindGivenBack };
        }
        this.#nonces.release(nonce);
        return { result };
      }
    });
  }

  /**
   * Runs `run` once every earlier holder of the turn has had its transaction taken or refused;
   * `run` hands the turn on early by calling `taken`. A node that neither takes nor refuses a
   * transaction must not stop every other push: the turn passes on after SUBMIT_TURN_MS anyway.
   */
  async #inTurn<T>(run: (taken: () => void) => Promise<T>): Promise<T> {
    const previous = this.#turn;
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    this.#turn = previous.then(() => turn);
    await previous;
    const fallback = setTimeout(release, SUBMIT_TURN_MS);
    const done = () => {
      clearTimeout(fallback);
      release();
    };
    try {
      return await run(done);
    } finally {
      done();
    }
  }

  /**
   * After `nonce` was left unused, fills the gaps that transactions of this process with higher
   * nonces wait behind, in turn (after every push that already took a nonce has submitted). A
   * node keeps such a transaction until something takes the nonce below it; without a filler it
   * would time out and land whenever a later push happened to take that nonce.
   */
  #fillHolesAbove(nonce: number): void {
    if (!this.#nonces.heldAbove(nonce)) return;
    this.#inTurn((taken) => this.#fillHoles(taken)).catch(() => {
      // The chain is unreachable or refuses the filler: the next push takes the nonce instead.
    });
  }

  async #fillHoles(taken: () => void): Promise<void> {
    const holes = this.#nonces.holes(await this.#chainNextIndex(), MAX_FILLERS);
    for (const nonce of holes) {
      this.#nonces.hold(nonce);
      const inPool = new Promise<void>((resolve) => {
        submitTx(this.#api, nonceFiller(this.#api), this.#signer, { until: 'inBlock', nonce, timeoutMs: this.#timeoutMs, onStatus: (update) => (TAKEN.has(update.status) ? resolve() : undefined) })
          .catch(() => undefined)
          .finally(() => {
            this.#nonces.release(nonce);
            resolve();
          });
      });
      await inPool;
    }
    taken();
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

  /** The gateway key's next index as the node counts it (its state nonce and ready transactions). */
  async #chainNextIndex(): Promise<number> {
    return (await this.#api.rpc.system.accountNextIndex(this.#signer.address)).toNumber();
  }
}
