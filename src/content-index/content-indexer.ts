// The content indexer's loop, beside the chain processor and never in its way: it runs in its
// own process, reads what the processor committed, and writes only its own tables. Each pass
// finds new manifest digests (content-tables.ts), then reads the ones that are due from IPFS, a
// few at a time, checking each against its digest (read-manifest.ts) before parsing it
// (manifest-facts.ts). Content that cannot be read yet stays pending and is tried again later,
// less often each time; while IPFS itself does not answer, nothing counts against the content,
// and reading resumes within a few seconds of IPFS answering again.
import type { Pool } from 'pg';
import { type BlobStore, BlobStoreUnavailableError } from '../ipfs';
import type { ContentIndexOptions } from './config';
import { candidateCids, type ContentResult, NO_CID_YET, contentTablesExist, type DueContent, discover, dueContents, ensureStatus, postponeAll, setIpfsReachable, sumIndexTotals, writeResult } from './content-tables';
import { manifestFacts, NotAManifestError } from './manifest-facts';
import { PlannerStatistics } from './planner-statistics';
import { isSha256Digest, readVerified } from './read-manifest';

/** A worker reads from the batch it was given for this long, then leaves the rest for a fresh pass. */
const QUEUE_FRESH_MS = 5_000;

/**
 * Rows indexed since the last sum of index totals kept by id, at most: beyond (sums failing for
 * long, Postgres away) the next sum looks at every index without a total instead, once.
 */
export const MAX_UNSUMMED_IDS = 10_000;

export interface ContentIndexerDeps {
  pool: Pool;
  store: BlobStore;
  options: ContentIndexOptions;
  log: (line: string) => void;
}

export class ContentIndexer {
  readonly #pool: Pool;
  readonly #store: BlobStore;
  readonly #options: ContentIndexOptions;
  readonly #log: (line: string) => void;
  #stopped = false;
  #wake: (() => void) | undefined;
  #wakeAsked = false;
  readonly #stopping = new AbortController();
  #ipfsReachable = true;
  readonly #statistics: PlannerStatistics;
  /** Workers reading now. */
  #workers = 0;
  readonly #running = new Set<Promise<void>>();
  /** Rows taken by a worker's batch and not yet read, or being read: not handed out again. */
  readonly #claimed = new Set<string>();
  /**
   * Rows indexed since the last sum of index totals: the sum looks only at them and the indexes
   * listing them (sumIndexTotals), not at every index without a total, so an index of made-up
   * digests costs nothing on passes that index something else.
   */
  readonly #indexedSinceSum = new Set<string>();
  /** How many were indexed since the last sum (for the log and the planner's statistics). */
  #countSinceSum = 0;
  /**
   * The next sum looks at every index without a total: at start, as rows indexed just before a
   * restart were never summed, and after more than MAX_UNSUMMED_IDS rows waited for a sum. That
   * sum reads every such index's children once (about 3 s for a hundred indexes of 40,000).
   */
  #sumAll = true;
  /** A worker's failure other than IPFS's (Postgres away), for the loop to report and wait on. */
  #workerFailure: Error | undefined;

  constructor(deps: ContentIndexerDeps) {
    this.#pool = deps.pool;
    this.#store = deps.store;
    this.#options = deps.options;
    this.#log = deps.log;
    this.#statistics = new PlannerStatistics(deps.pool, deps.log);
  }

  stop(): void {
    this.#stopped = true;
    this.#stopping.abort();
    this.#wake?.();
  }

  /**
   * Runs until stop(); failures of a pass (Postgres away) are logged and the pass is tried again.
   *
   * Reads run beside the passes, not inside them: a pass finds new digests and starts reads of
   * due rows on the workers that are free, and the next pass begins as soon as one is free again
   * (or after pollMs), whatever the others are still reading. A read may take its whole budget
   * (three read timeouts) whenever its CIDs are not served or served slowly, and anyone can record
   * such CIDs for digests of their own: while each pass waited for all of its reads, a few such
   * digests in a batch held every worker's next read and the discovery of every new push until
   * the slowest had ended, pass after pass. A worker also leaves the rest of its batch after
   * QUEUE_FRESH_MS, so that what was pushed meanwhile is read first (dueContents' order).
   */
  async run(): Promise<void> {
    await this.#waitForTables();
    if (this.#stopped) return;
    await ensureStatus(this.#pool, this.#options.ipfsApi);
    let after = -1;
    while (!this.#stopped) {
      let wait = this.#options.pollMs;
      try {
        const failure = this.#workerFailure;
        this.#workerFailure = undefined;
        if (failure) throw failure;
        const found = await discover(this.#pool, after);
        after = found.nextAfter;
        if (found.added > 0) this.#log(`${found.added} new manifest digest${found.added === 1 ? '' : 's'} to read`);
        const free = this.#options.concurrency - this.#workers;
        if (free > 0) {
          const due = (await dueContents(this.#pool, this.#options.batchSize + this.#claimed.size)).filter((row) => !this.#claimed.has(row.id)).slice(0, free * 8);
          if (due.length > 0) {
            if (await this.#checkIpfs(due)) this.#startReads(due, free);
            else wait = this.#options.ipfsRetryMs;
          }
        }
        await this.#sumIndexed();
        if (this.#workers === 0 && (await this.#statistics.refreshIfGrown())) this.#log('refreshed the planner\'s statistics of the listed tables');
      } catch (error) {
        this.#log(`a pass failed, trying again: ${(error as Error).message}`);
        wait = this.#options.pollMs * 5;
      }
      await this.#sleep(wait);
    }
    await Promise.allSettled(this.#running);
  }

  /** Reads `due` on up to `free` workers, in the background; each wakes the loop when it ends. */
  #startReads(due: DueContent[], free: number): void {
    const queue = [...due];
    for (const row of queue) this.#claimed.add(row.id);
    const takeUntil = Date.now() + QUEUE_FRESH_MS;
    const workers = Math.min(free, queue.length);
    let live = workers;
    for (let i = 0; i < workers; i++) {
      this.#workers += 1;
      const running: Promise<void> = this.#worker(queue, takeUntil).finally(() => {
        this.#workers -= 1;
        this.#running.delete(running);
        // The last worker of a batch gives back what none of them took: due again next pass.
        if (--live === 0) for (const row of queue.splice(0)) this.#claimed.delete(row.id);
        this.#wakeUp();
      });
      this.#running.add(running);
    }
  }

  async #worker(queue: DueContent[], takeUntil: number): Promise<void> {
    for (let row = queue.shift(); row; row = queue.shift()) {
      try {
        if (this.#stopped || !this.#ipfsReachable) {
          queue.unshift(row);
          return;
        }
        try {
          const result = await this.#readOne(row);
          // Reads cut short by stop() found nothing about the content: the row stays as it was.
          if (this.#stopped) return;
          await this.#write(row, result);
          if (result.state === 'indexed') this.#noteIndexed(row.id);
        } catch (error) {
          if (!(error instanceof BlobStoreUnavailableError)) {
            // Postgres away, say: the row stays due, and the loop pauses as for a failed pass.
            this.#workerFailure ??= error as Error;
            return;
          }
          // IPFS does not answer: this row and the batch's others wait for it, without blame.
          const postponed = [row, ...queue.splice(0)];
          await this.#ipfsDown(postponed.map((r) => r.id), error.message).catch((failure: Error) => (this.#workerFailure ??= failure));
          for (const other of postponed) this.#claimed.delete(other.id);
          return;
        }
      } finally {
        this.#claimed.delete(row.id);
      }
      if (Date.now() > takeUntil) return;
    }
  }

  #noteIndexed(id: string): void {
    this.#countSinceSum += 1;
    this.#rememberUnsummed(id);
  }

  #rememberUnsummed(id: string): void {
    if (this.#sumAll) return;
    if (this.#indexedSinceSum.size < MAX_UNSUMMED_IDS) this.#indexedSinceSum.add(id);
    else {
      this.#indexedSinceSum.clear();
      this.#sumAll = true;
    }
  }

  /** After content was indexed (and once at start): index totals, planner statistics, a line in the log. */
  async #sumIndexed(): Promise<void> {
    const indexed = this.#countSinceSum;
    const all = this.#sumAll;
    if (indexed === 0 && !all) return;
    const ids = [...this.#indexedSinceSum];
    this.#countSinceSum = 0;
    this.#indexedSinceSum.clear();
    this.#sumAll = false;
    try {
      await sumIndexTotals(this.#pool, all ? 'all' : ids);
    } catch (error) {
      // Summed next pass, with whatever is indexed meanwhile.
      this.#countSinceSum += indexed;
      if (all) this.#sumAll = true;
      else for (const id of ids) this.#rememberUnsummed(id);
      throw error;
    }
    if (indexed === 0) return;
    this.#statistics.noteIndexed(indexed);
    this.#log(`indexed ${indexed} manifest${indexed === 1 ? '' : 's'}`);
  }

  /**
   * Writes a row's result. Verified bytes are anyone's: a manifest may hold what Postgres refuses
   * to store (a NUL character in an annotation, a lone UTF-16 surrogate, an artifactType too long
   * for its index). Such a write failed the whole pass, the row stayed due first in line, and a
   * few of them stopped every worker on every pass: no one's content was indexed any more. The
   * row is marked invalid instead, naming what Postgres refused, whatever the result was (reasons
   * are made storable as they are written, but a row must never stay first in line); other
   * failures (Postgres away) still fail the pass, to be tried again.
   */
  async #write(row: DueContent, result: ContentResult): Promise<void> {
    try {
      await writeResult(this.#pool, row.id, result, row.lastRecordBlock);
    } catch (error) {
      if (!isUnstorableValue(error)) throw error;
      const detail = (error as { detail?: unknown }).detail;
      const reason = `its content cannot be stored in the index: Postgres refused it (${(error as Error).message}${typeof detail === 'string' ? `: ${detail}` : ''})`;
      const cid = result.state === 'indexed' || result.state === 'invalid' ? result.cid : null;
      await writeResult(this.#pool, row.id, { state: 'invalid', cid, mismatchedCids: result.mismatchedCids, reason });
      this.#log(`${row.digest ?? row.id}: ${reason}`);
    }
  }

  async #readOne(row: DueContent): Promise<ContentResult> {
    if (!isSha256Digest(row.digest)) {
      return { state: 'invalid', cid: null, mismatchedCids: [], reason: `the digest ${JSON.stringify(row.digest ?? row.id)} is not sha256:<64 hex digits>, so no bytes can match it` };
    }
    const cids = await candidateCids(this.#pool, row.digest);
    // Nothing to read until a CID is recorded, and recording one makes the row due again
    // (discover): retried on a timer instead, each digest an index lists that no one recorded
    // (anyone can list tens of thousands in one manifest) was read every few minutes for good.
    if (cids.length === 0) return { state: 'pending', mismatchedCids: row.mismatchedCids, reason: NO_CID_YET, retryInMs: null };
    const outcome = await readVerified(this.#store, row.digest, cids, row.mismatchedCids, { maxBytes: this.#options.maxManifestBytes, timeoutMs: this.#options.readTimeoutMs, attempt: row.attempts, signal: this.#stopping.signal });
    if (outcome.kind === 'mismatch') {
      const oversized = outcome.oversizedCids.length === 0 ? '' : `; more than ${this.#options.maxManifestBytes} bytes, more than any manifest, at ${outcome.oversizedCids.join(', ')}`;
      const unusable = (outcome.unusable ?? []).map(({ cid, why }) => `${cid} (${why})`);
      const unusableText = unusable.length === 0 ? '' : `; content no store serves as a file at ${unusable.join(', ')}`;
      return { state: 'mismatch', mismatchedCids: outcome.mismatchedCids, reason: `every recorded CID holds other bytes than ${row.digest} (${outcome.mismatchedCids.join(', ')})${oversized}${unusableText}; read again when another CID is recorded` };
    }
    if (outcome.kind === 'unavailable') {
      return { state: 'pending', mismatchedCids: outcome.mismatchedCids, reason: outcome.reason, retryInMs: this.#backoff(row.attempts) };
    }
    try {
      return { state: 'indexed', cid: outcome.cid, mismatchedCids: outcome.mismatchedCids, facts: manifestFacts(outcome.bytes) };
    } catch (error) {
      if (!(error instanceof NotAManifestError)) throw error;
      return { state: 'invalid', cid: outcome.cid, mismatchedCids: outcome.mismatchedCids, reason: error.message };
    }
  }

  /** Whether IPFS answers; when it does not, the due rows say so and wait. */
  async #checkIpfs(due: DueContent[]): Promise<boolean> {
    try {
      await this.#store.ping();
    } catch (error) {
      await this.#ipfsDown(due.map((row) => row.id), (error as Error).message);
      return false;
    }
    if (!this.#ipfsReachable) {
      this.#ipfsReachable = true;
      this.#log(`IPFS at ${this.#options.ipfsApi} answers again; reading resumes`);
      await setIpfsReachable(this.#pool, true, null);
    }
    return true;
  }

  /** IPFS does not answer: `ids` wait for it; the loop asks IPFS again before reading more. */
  async #ipfsDown(ids: string[], reason: string): Promise<void> {
    if (this.#ipfsReachable) this.#log(`IPFS cannot be read (${reason}); the chain index goes on, contents wait`);
    this.#ipfsReachable = false;
    await postponeAll(this.#pool, ids, reason, this.#options.ipfsRetryMs);
  }

  /** Delay before the next read of content that could not be read `attempts` times before. */
  #backoff(attempts: number): number {
    return Math.min(this.#options.retryMinMs * 2 ** Math.min(attempts, 20), this.#options.retryMaxMs);
  }

  async #waitForTables(): Promise<void> {
    let told = false;
    while (!this.#stopped) {
      try {
        if (await contentTablesExist(this.#pool)) return;
      } catch (error) {
        if (!told) this.#log(`waiting for Postgres: ${(error as Error).message}`);
        told = true;
      }
      if (!told) this.#log('waiting for the migrations to create the content tables');
      told = true;
      await this.#sleep(1_000);
    }
  }

  /** Ends the loop's wait now, or its next one at once if it is not waiting. */
  #wakeUp(): void {
    if (this.#wake) this.#wake();
    else this.#wakeAsked = true;
  }

  #sleep(ms: number): Promise<void> {
    if (this.#wakeAsked || this.#stopped) {
      this.#wakeAsked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}

/**
 * Whether Postgres refused a value itself rather than failed: SQLSTATE class 22 (data exception:
 * NUL in text, malformed JSON escapes) or 54000 (program limit: an index entry too large).
 */
function isUnstorableValue(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code === '54000');
}
