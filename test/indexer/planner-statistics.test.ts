// After a bulk load the artifact listings' joins need the planner's statistics, which autovacuum
// gathers only a minute or more later: the content indexer refreshes them itself once it caught
// up after indexing a good share more than at the last refresh, and says so once if it cannot.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Pool } from 'pg';
import { LISTED_TABLES, PlannerStatistics } from '../../src/content-index/planner-statistics';
import { runMigrations } from '../../src/indexer/migrations';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';

let pg: TestPostgres;
let pool: Pool;
let bare: Pool;
before(async () => {
  pg = await startTestPostgres();
  const dbUrl = await pg.newDatabase('statistics');
  await runMigrations(dbUrl);
  pool = new Pool({ connectionString: dbUrl });
  bare = new Pool({ connectionString: await pg.newDatabase('no_tables') });
});
after(async () => {
  await pool?.end();
  await bare?.end();
  await pg?.close();
});

const analyzed = async () => {
  const { rows } = await pool.query<{ relname: string; last_analyze: Date | null }>('SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY($1)', [[...LISTED_TABLES]]);
  return Object.fromEntries(rows.map((row) => [row.relname, row.last_analyze !== null]));
};

test('refreshes the listed tables\' statistics once enough more is indexed, not before', async () => {
  const log: string[] = [];
  const statistics = new PlannerStatistics(pool, (line) => log.push(line), { minNew: 3, minShare: 0.5 });
  statistics.noteIndexed(2);
  assert.equal(await statistics.refreshIfGrown(), false, 'two new of at least three');
  assert.deepEqual(Object.values(await analyzed()), LISTED_TABLES.map(() => false));
  statistics.noteIndexed(1);
  assert.equal(await statistics.refreshIfGrown(), true);
  assert.deepEqual(await analyzed(), Object.fromEntries(LISTED_TABLES.map((table) => [table, true])));
  statistics.noteIndexed(6);
  assert.equal(await statistics.refreshIfGrown(), true, 'six new of nine: two thirds');
  statistics.noteIndexed(3);
  assert.equal(await statistics.refreshIfGrown(), false, 'three new of twelve: a quarter');
  assert.deepEqual(log, []);
});

test('a database where it cannot analyze is logged once, and indexing goes on', async () => {
  const log: string[] = [];
  const statistics = new PlannerStatistics(bare, (line) => log.push(line), { minNew: 1 });
  for (let i = 0; i < 3; i++) {
    statistics.noteIndexed(5);
    assert.equal(await statistics.refreshIfGrown(), false);
  }
  assert.equal(log.length, 1);
  assert.match(log[0], /could not refresh the planner's statistics \(relation "manifest_content" does not exist\); autovacuum will/);
});
