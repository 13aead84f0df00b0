// `hcr graphql` answers one client address at most GQL_MAX_CONCURRENT_PER_CLIENT requests at once
// and refuses the next with 429. A gateway is one address to it, but only its pull lookups
// (GraphqlIndex) kept within that bound: the doors' listings, the page's /api/graphql relay and the
// /readyz probe each sent their queries on their own. Side by side under load they passed the
// bound, so listings answered 503, the relay handed the index's 429 to browsers, and the pulls'
// lookups were refused beside them. They now share one index client (resolve/index-http.ts) and
// its places: the gateway as a whole sends at most the bound at once and follows Retry-After.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { GraphqlIndex } from '../../src/gateway/resolve/graphql-index';
import { startGraphql, type GraphqlServer } from '../../src/indexer/graphql-server';
import { runMigrations } from '../../src/indexer/migrations';
import { startTestPostgres, type TestPostgres } from '../indexer/helpers/postgres';
import { Client } from 'pg';
import { startTestGateway, type TestGateway } from './helpers/gateway';

/** The index's bound per client here: small, so that a handful of requests pass it. */
const SERVER_BOUND = 2;
const EACH = 8;

let pg: TestPostgres;
let graphql: GraphqlServer;
let t: TestGateway;
let webRoot: string;

before(async () => {
  pg = await startTestPostgres();
  const dbUrl = await pg.newDatabase('shared_index_bound');
  await runMigrations(dbUrl);
  await markIndexedHeight(dbUrl, 0);
  // No response cache: every request is SQL and counts against the bound.
  graphql = await startGraphql({ dbUrl, port: 0, env: { GQL_MAX_CONCURRENT_PER_CLIENT: String(SERVER_BOUND), GQL_RESPONSE_CACHE: 'off' } });
  // The relay is served with the web page; any folder will do for the page here.
  webRoot = mkdtempSync(join(tmpdir(), 'hcr-web-'));
  t = await startTestGateway({ index: graphql.url, webRoot, artifacts: { defaultSpace: 'acme' } });
});

after(async () => {
  await t?.close();
  await graphql?.stop();
  await pg?.close();
  if (webRoot) rmSync(webRoot, { recursive: true, force: true });
});

/** The processor's state row, which /readyz's index check reads (no processor runs here). */
async function markIndexedHeight(dbUrl: string, height: number): Promise<void> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query('CREATE SCHEMA IF NOT EXISTS squid_processor');
    await client.query('CREATE TABLE IF NOT EXISTS squid_processor.status (id int PRIMARY KEY, height int NOT NULL, hash text)');
    await client.query('CREATE TABLE IF NOT EXISTS squid_processor.hot_block (height int PRIMARY KEY, hash text NOT NULL)');
    await client.query('INSERT INTO squid_processor.status (id, height, hash) VALUES (0, $1, $2)', [height, '0x00']);
  } finally {
    await client.end();
  }
}

const answered = async (response: Response) => ({ status: response.status, body: await response.text() });

test(`door listings, pull lookups, the page's relay and /readyz side by side stay within an index bound of ${SERVER_BOUND}`, async () => {
  const index = t.gateway.gateway.context.resolver.index as GraphqlIndex;
  // Each listing from a client of its own (the doors' per-client listing bound is not what is shown here).
  const listings = Array.from({ length: EACH }, (_, i) => fetch(`${t.url}/firmware`, { headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } }).then(answered));
  const packages = Array.from({ length: EACH }, (_, i) => fetch(`${t.url}/api/packages`, { headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } }).then(answered));
  const lookups = Array.from({ length: EACH }, (_, i) => index.ownerTag({ repo: `team${i}`, image: `app${i}`, full: `team${i}/app${i}` }, 'latest', undefined).then((value) => ({ value }), (error: Error) => ({ error: error.message })));
  const relayed = Array.from({ length: EACH }, (_, i) =>
    fetch(`${t.url}/api/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ spaces(where: { name_eq: "page${i}" }) { id } }` }) }).then(answered),
  );
  const probes = Array.from({ length: 3 }, () => fetch(`${t.url}/readyz`).then(answered));
  const [l, p, k, r, z] = await Promise.all([Promise.all(listings), Promise.all(packages), Promise.all(lookups), Promise.all(relayed), Promise.all(probes)]);

  for (const answer of [...l, ...p]) assert.equal(answer.status, 200, `a door listing is answered, not refused: ${answer.status} ${answer.body.slice(0, 300)}`);
  assert.deepEqual(k.filter((x) => 'error' in x), [], 'every pull lookup is answered');
  for (const x of k) assert.deepEqual(x, { value: { spaceKnown: false, digest: undefined } });
  for (const answer of r) {
    assert.equal(answer.status, 200, `the relay answers the page: ${answer.status} ${answer.body.slice(0, 300)}`);
    assert.deepEqual(JSON.parse(answer.body), { data: { spaces: [] } });
  }
  for (const answer of z) assert.equal(answer.status, 200, `/readyz's index check was answered: ${answer.body.slice(0, 400)}`);
  assert.equal(index.maxConcurrent, SERVER_BOUND, 'the bound the index named is the whole gateway\'s');
});
