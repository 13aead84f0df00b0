// Postgres restarting under a running `hcr graphql`: while it is down, queries fail with an answer
// that says the database is unavailable and /readyz answers 503 naming the database; once it is
// back, both answer again without the GraphQL server being restarted (its pool drops the
// connections Postgres closed and opens new ones).
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/indexer/embedded-postgres';
import { runMigrations } from '../../src/indexer/migrations';
import { startGraphql, type GraphqlServer } from '../../src/indexer/graphql-server';
import { waitFor } from './helpers/wait';

let dir: string;
let pg: EmbeddedPostgres | undefined;
let graphql: GraphqlServer;
let base: string;

const settings = { fsync: 'off', synchronous_commit: 'off' };

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hcr-pg-restart-'));
  // Postgres runs as the postgres user when the tests run as root; let it in.
  chmodSync(dir, 0o755);
  pg = await startEmbeddedPostgres({ dataDir: dir, settings });
  await runMigrations(pg.dbUrl);
  await processorStateRow(pg.dbUrl);
  graphql = await startGraphql({ dbUrl: pg.dbUrl, port: 0 });
  base = graphql.url.replace(/\/graphql$/, '');
});

after(async () => {
  await graphql?.stop();
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The processor's state row, as a processor that indexed block #0 leaves it (no chain needed here). */
async function processorStateRow(dbUrl: string): Promise<void> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query('CREATE SCHEMA IF NOT EXISTS squid_processor');
    await client.query('CREATE TABLE IF NOT EXISTS squid_processor.status (id int PRIMARY KEY, height int NOT NULL, hash text, nonce int NOT NULL DEFAULT 0)');
    await client.query(`INSERT INTO squid_processor.status (id, height, hash) VALUES (0, 0, '0x${'00'.repeat(32)}') ON CONFLICT DO NOTHING`);
  } finally {
    await client.end();
  }
}

const query = async () => {
  const response = await fetch(graphql.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ spaces(limit: 1) { id } }' }) });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), text: await response.text() };
};
const readyz = async () => {
  const response = await fetch(`${base}/readyz`);
  return { status: response.status, text: await response.text() };
};

test('queries and /readyz say the database is down while Postgres restarts, and answer again after it', { timeout: 120_000 }, async () => {
  assert.equal((await query()).status, 200);
  assert.equal((await readyz()).status, 200);
  const port = pg!.port;
  await pg!.stop();
  pg = undefined;

  // A retryable outage in words, not a 500 with the driver's "connect ECONNREFUSED host:port".
  const down = await query();
  assert.equal(down.status, 503, down.text);
  assert.ok(Number(down.retryAfter) > 0, 'Retry-After');
  const [error] = (JSON.parse(down.text) as { errors: { message: string; extensions: { code: string } }[] }).errors;
  assert.equal(error.extensions.code, 'DATABASE_UNAVAILABLE');
  assert.match(error.message, /database is unavailable/);
  assert.match(error.message, /try again/);
  assert.doesNotMatch(error.message, /127\.0\.0\.1/);
  const notReady = await readyz();
  assert.equal(notReady.status, 503);
  assert.match(notReady.text, /Postgres does not answer/);

  pg = await startEmbeddedPostgres({ dataDir: dir, port, settings });
  await waitFor(async () => {
    const answer = await query();
    return answer.status === 200 && !answer.text.includes('"errors"');
  }, 'a query answered again');
  await waitFor(async () => (await readyz()).status === 200, '/readyz ready again');
});
