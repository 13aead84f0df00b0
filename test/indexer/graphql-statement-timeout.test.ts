// The GraphQL server answers through a pool of 5 Postgres connections, and OpenReader bounds no
// query's time by default: a few slow queries from anyone (lists of a wide space, nested within
// the allowed depth) held every connection and everyone waited. src/indexer/graphql-statement-timeout.ts
// sets a statement timeout unless one is given, and an answer it stops says so and what to do.
// Here, on a real index with a space of many images (one extrinsic), a query that needs millions
// of rows is stopped at the timeout with that message, and ordinary queries answer as before.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGraphql, type GraphqlServer } from '../../src/indexer/graphql-server';
import { settledHead, startTestChain, type TestChain } from '../helpers/devnet';
import { devAccounts, type DevAccounts } from './helpers/accounts';
import { gqlResponse } from './helpers/graphql';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { submit } from './helpers/submit';

let chain: TestChain;
let pg: TestPostgres;
let indexer: TestIndexer;
let strict: GraphqlServer;
let a: DevAccounts;

const IMAGES = 160;
const TIMEOUT_MS = 1_000;

before(async () => {
  a = await devAccounts();
  chain = await startTestChain();
  pg = await startTestPostgres();
  const cr = chain.api.tx.containerRegistry;
  await submit(cr.createSpace('wide'), a.eve);
  const pushes = Array.from({ length: IMAGES }, (_, i) => cr.addManifestHeadDigestAndManifestJsonCid('wide', `img${i}`, 'v1', `sha256:${String(i).padStart(64, '0')}`, `bafy${i}`));
  await submit(chain.api.tx.utility.batchAll(pushes), a.eve, { finalized: true, timeoutMs: 60_000 });
  const dbUrl = await pg.newDatabase('statement_timeout');
  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl });
  await indexer.waitForHead(await settledHead(chain.api), 60_000);
  // Uncached, so that every query reaches Postgres.
  strict = await startGraphql({ dbUrl, port: 0, env: { GQL_SQL_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS), GQL_RESPONSE_CACHE: 'off' } });
});

after(async () => {
  await strict?.stop();
  await indexer?.close();
  await pg?.close();
  await chain?.close();
});

test('a query running past the statement timeout is stopped, saying so and what to do', async () => {
  // 160 × 160 × 160 rows: about 4 million, many seconds of Postgres's time.
  const started = Date.now();
  const response = await fetch(strict.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ images { space { images { space { images { id name } } } } } }' }),
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await response.json()) as Awaited<ReturnType<typeof gqlResponse>>;
  const elapsed = Date.now() - started;
  const [error] = body.errors ?? [];
  assert.ok(error, `expected the query to be stopped, got an answer after ${elapsed} ms`);
  assert.equal(error.extensions?.code, 'QUERY_TIMEOUT');
  assert.match(error.message, /ran longer than the 1000 ms one query may take and was stopped\. Ask for less.*GQL_SQL_STATEMENT_TIMEOUT_MS/);
  assert.ok(elapsed < 60_000, `stopped after ${elapsed} ms`);
});

test('ordinary queries answer under the same timeout, and a bad setting is refused by name', async () => {
  const data = (await gqlResponse(strict.url, '{ spaces { name imageCount } }')).data;
  assert.deepEqual(data, { spaces: [{ name: 'wide', imageCount: IMAGES }] });
  const { statementTimeoutMs } = await import('../../src/indexer/graphql-statement-timeout');
  assert.deepEqual(statementTimeoutMs(['--sql-statement-timeout', '500'], { GQL_SQL_STATEMENT_TIMEOUT_MS: '9' }), { ms: 500, fromFlag: true });
  assert.deepEqual(statementTimeoutMs([], {}), { ms: 20_000, fromFlag: false });
  assert.throws(() => statementTimeoutMs([], { GQL_SQL_STATEMENT_TIMEOUT_MS: 'soon' }), /GQL_SQL_STATEMENT_TIMEOUT_MS="soon" is not a whole number/);
});
