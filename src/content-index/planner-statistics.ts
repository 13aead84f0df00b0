// The artifact listings join the processor's tables to the content indexer's by digest. Until
// Postgres has statistics on those tables (autovacuum analyzes a table a minute or more after it
// grew), the planner takes thousands of tags for a few dozen and joins each manifest to every
// tag of a space: after a bulk load a filtered listing took 0.6–1 s instead of milliseconds.
// So when the content indexer catches up after indexing a good share more than at the last
// refresh, it refreshes them (ANALYZE reads a sample: tens of milliseconds).
import type { Pool } from 'pg';

/** The tables the artifact listings read. */
export const LISTED_TABLES = ['manifest_content', 'tag', 'tag_update', 'image', 'space'] as const;

export interface PlannerStatisticsOptions {
  /** Indexed manifests since the last refresh that call for one, at the least (default 50). */
  readonly minNew?: number;
  /** …and at least this share of all indexed so far (default 0.1: growth of a tenth). */
  readonly minShare?: number;
}

export class PlannerStatistics {
  readonly #pool: Pool;
  readonly #log: (line: string) => void;
  readonly #minNew: number;
  readonly #minShare: number;
  #total = 0;
  #sinceRefresh = 0;
  #warned = false;

  constructor(pool: Pool, log: (line: string) => void, options: PlannerStatisticsOptions = {}) {
    this.#pool = pool;
    this.#log = log;
    this.#minNew = options.minNew ?? 50;
    this.#minShare = options.minShare ?? 0.1;
  }

  noteIndexed(count: number): void {
    this.#total += count;
    this.#sinceRefresh += count;
  }

  /** At a quiet point (nothing more due): refreshes the statistics if enough was indexed since. */
  async refreshIfGrown(): Promise<boolean> {
    if (this.#sinceRefresh < this.#minNew || this.#sinceRefresh < this.#total * this.#minShare) return false;
    this.#sinceRefresh = 0;
    try {
      await this.#pool.query(`ANALYZE ${LISTED_TABLES.join(', ')}`);
      return true;
    } catch (error) {
      // Not the owner of the tables, say: listings are slower until autovacuum gets to them.
      if (!this.#warned) this.#log(`could not refresh the planner's statistics (${(error as Error).message}); autovacuum will`);
      this.#warned = true;
      return false;
    }
  }
}
