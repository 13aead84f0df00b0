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
import { candidateCids, type ContentResult, contentTablesExist, type DueContent, discover, dueContents, ensureStatus, postponeAll, setIpfsReachable, sumIndexTotals, writeResult } from './content-tables';
import { manifestFacts, NotAManifestError } from './manifest-facts';
import { PlannerStatistics } from './planner-statistics';
import { isSha256Digest, readVerified } from './read-manifest';

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
  #ipfsReachable = true;
  readonly #statistics: PlannerStatistics;

  constructor(deps: ContentIndexerDeps) {
    this.#pool = deps.pool;
    this.#store = deps.store;
    this.#options = deps.options;
    this.#log = deps.log;
    this.#statistics = new PlannerStatistics(deps.pool, deps.log);
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  /** Runs until stop(); failures of a pass (Postgres away) are logged and the pass is tried again. */
  async run(): Promise<void> {
    await this.#waitForTables();
    if (this.#stopped) return;
    await ensureStatus(this.#pool, this.#options.ipfsApi);
    let after = -1;
    while (!this.#stopped) {
      let busy = false;
      try {
        const found = await discover(this.#pool, after);
        after = found.nextAfter;
        if (found.added > 0) this.#log(`${found.added} new manifest digest${found.added === 1 ? '' : 's'} to read`);
        const due = await dueContents(this.#pool, this.#options.batchSize);
        if (due.length > 0) busy = (await this.#readDue(due)) && due.length === this.#options.batchSize;
        if (!busy && (await this.#statistics.refreshIfGrown())) this.#log('refreshed the planner\'s statistics of the listed tables');
      } catch (error) {
        this.#log(`a pass failed, trying again: ${(error as Error).message}`);
        await this.#sleep(this.#options.pollMs * 5);
        continue;
      }
      if (!busy) await this.#sleep(this.#options.pollMs);
    }
  }

  /** Reads a batch of due contents; false when IPFS did not answer (the rest wait for it). */
  async #readDue(due: DueContent[]): Promise<boolean> {
    if (!(await this.#checkIpfs(due))) return false;
    const queue = [...due];
    const postponed: string[] = [];
    let unreachable: string | undefined;
    let indexed = 0;
    const worker = async () => {
      for (let row = queue.shift(); row && !this.#stopped; row = queue.shift()) {
        if (unreachable) {
          postponed.push(row.id);
          continue;
        }
        try {
          const result = await this.#readOne(row);
          await this.#write(row, result);
          if (result.state === 'indexed') indexed++;
        } catch (error) {
          if (!(error instanceof BlobStoreUnavailableError)) throw error;
          unreachable = error.message;
          postponed.push(row.id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#options.concurrency, due.length) }, worker));
    if (unreachable) await this.#ipfsDown(postponed, unreachable);
    if (indexed > 0) {
      this.#statistics.noteIndexed(indexed);
      await sumIndexTotals(this.#pool);
      this.#log(`indexed ${indexed} manifest${indexed === 1 ? '' : 's'}`);
    }
    return unreachable === undefined;
  }

  /**
   * Writes a row's result. Verified bytes are anyone's: a manifest may hold what Postgres refuses
   * to store (a NUL character in an annotation, a lone UTF-16 surrogate, an artifactType too long
   * for its index). Such a write failed the whole pass, the row stayed due first in line, and a
   * few of them stopped every worker on every pass: no one's content was indexed any more. The
   * row is marked invalid instead, naming what Postgres refused; other failures (Postgres away)
   * still fail the pass, to be tried again.
   */
  async #write(row: DueContent, result: ContentResult): Promise<void> {
    try {
      await writeResult(this.#pool, row.id, result);
    } catch (error) {
      if (result.state !== 'indexed' || !isUnstorableValue(error)) throw error;
      const detail = (error as { detail?: unknown }).detail;
      const reason = `its content cannot be stored in the index: Postgres refused it (${(error as Error).message}${typeof detail === 'string' ? `: ${detail}` : ''})`;
      await writeResult(this.#pool, row.id, { state: 'invalid', cid: result.cid, mismatchedCids: result.mismatchedCids, reason });
      this.#log(`${row.digest ?? row.id}: ${reason}`);
    }
  }

  async #readOne(row: DueContent): Promise<ContentResult> {
    if (!isSha256Digest(row.digest)) {
      return { state: 'invalid', cid: null, mismatchedCids: [], reason: `the digest ${JSON.stringify(row.digest ?? row.id)} is not sha256:<64 hex digits>, so no bytes can match it` };
    }
    const cids = await candidateCids(this.#pool, row.digest);
    const outcome = await readVerified(this.#store, row.digest, cids, row.mismatchedCids, { maxBytes: this.#options.maxManifestBytes, timeoutMs: this.#options.readTimeoutMs, attempt: row.attempts });
    if (outcome.kind === 'mismatch') {
      const oversized = outcome.oversizedCids.length === 0 ? '' : `; more than ${this.#options.maxManifestBytes} bytes, more than any manifest, at ${outcome.oversizedCids.join(', ')}`;
      return { state: 'mismatch', mismatchedCids: outcome.mismatchedCids, reason: `every recorded CID holds other bytes than ${row.digest} (${outcome.mismatchedCids.join(', ')})${oversized}; read again when another CID is recorded` };
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

  async #ipfsDown(ids: string[], reason: string): Promise<void> {
    if (this.#ipfsReachable) this.#log(`IPFS cannot be read (${reason}); the chain index goes on, contents wait`);
    this.#ipfsReachable = false;
    await postponeAll(this.#pool, ids, reason, this.#options.ipfsRetryMs);
    await this.#sleep(this.#options.ipfsRetryMs);
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

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
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
