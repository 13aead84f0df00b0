// The gateway relays every user's pulls to `hcr graphql` as one client, and a standalone server
// answers one client at most GQL_MAX_CONCURRENT_PER_CLIENT requests at once (default 8), refusing
// the next with 429 and Retry-After. The gateway's index client (src/gateway/resolve/graphql-index.ts)
// sent every query at once and took a 429 as "index unavailable": past the bound, pulls of
// contested names were answered 503 and others lost the owner's records. It now sends at most the
// server's bound at once, learns a smaller bound from a 429, and retries a refused query a few
// times after the wait asked for, never past the query's deadline.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startGraphql, type GraphqlServer } from '../../src/indexer/graphql-server';
import { runMigrations } from '../../src/indexer/migrations';
import { DEFAULT_INDEX_CONCURRENCY, GraphqlIndex, retryAfterMs } from '../../src/gateway/resolve/graphql-index';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';

/** The server's bound in these tests: small, so that a handful of pulls exceed it. */
const SERVER_BOUND = 2;
const PULLS = 48;

let pg: TestPostgres;
let server: GraphqlServer;

before(async () => {
  pg = await startTestPostgres();
  const dbUrl = await pg.newDatabase('index_client_bound');
  await runMigrations(dbUrl);
  // No response cache: every query is SQL and counts against the bound, as distinct pulls do.
  server = await startGraphql({ dbUrl, port: 0, env: { GQL_MAX_CONCURRENT_PER_CLIENT: String(SERVER_BOUND), GQL_RESPONSE_CACHE: 'off' } });
});

after(async () => {
  await server?.stop();
  await pg?.close();
});

/** What one pull asks the index: who owns its name, then the tag in the owner's records. */
const pull = (index: GraphqlIndex, i: number) =>
  index.ownerTag({ repo: `team${i}`, image: `app${i}`, full: `team${i}/app${i}` }, 'latest', undefined);

test(`${PULLS} pulls at once through one gateway are all answered by an index that answers ${SERVER_BOUND} at a time`, async () => {
  // The load is past the bound: the same queries sent side by side, as before, are refused.
  const raw = await Promise.all(Array.from({ length: PULLS }, (_, i) => fetch(server.url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ spaces(where: { name_eq: "raw${i}" }, limit: 1) { id } }` }),
  }).then(async (response) => ({ status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() }))));
  const refused = raw.filter((r) => r.status === 429);
  assert.ok(refused.length > 0, `the server's bound of ${SERVER_BOUND} refuses some of ${PULLS} requests at once (statuses ${[...new Set(raw.map((r) => r.status))]})`);
  assert.equal(refused[0].retryAfter, '1');

  const index = new GraphqlIndex(server.url, { timeoutMs: 20_000 });
  assert.equal(index.maxConcurrent, DEFAULT_INDEX_CONCURRENCY);
  const answers = await Promise.allSettled(Array.from({ length: PULLS }, (_, i) => pull(index, i)));
  const failed = answers.flatMap((a) => (a.status === 'rejected' ? [(a.reason as Error).message] : []));
  assert.deepEqual(failed, [], `every pull's index query is answered; failures: ${failed.slice(0, 3).join(' | ')}`);
  for (const answer of answers) assert.deepEqual((answer as PromiseFulfilledResult<unknown>).value, { spaceKnown: false, digest: undefined });
  assert.equal(index.maxConcurrent, SERVER_BOUND, 'the bound named by the 429 became the gateway\'s own');
});

/** A GraphQL endpoint on a real socket answering as `answer` says, counting requests and the most at once. */
async function scriptedIndex(answer: (n: number) => { status: number; headers?: Record<string, string>; body: unknown; delayMs?: number }) {
  const seen = { requests: 0, running: 0, most: 0 };
  const srv = http.createServer((req, res) => {
    const n = (seen.requests += 1);
    seen.running += 1;
    seen.most = Math.max(seen.most, seen.running);
    req.resume();
    req.on('end', () => {
      const { status, headers, body, delayMs } = answer(n);
      setTimeout(() => {
        seen.running -= 1;
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      }, delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/graphql`;
  return { url, seen, close: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
}

const EMPTY = { data: { spaces: [], tags: [] } };
const TOO_MANY = (bound: number) => ({ errors: [{ message: 'Too many requests at once', extensions: { code: 'TOO_MANY_REQUESTS', maxConcurrentPerClient: bound } }] });

test('the gateway sends at most its bound at once, whatever the number of pulls', async () => {
  const index = await scriptedIndex(() => ({ status: 200, body: EMPTY, delayMs: 30 }));
  try {
    const client = new GraphqlIndex(index.url, { timeoutMs: 10_000 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => pull(client, i)));
    assert.equal(index.seen.requests, 40);
    assert.equal(index.seen.most, DEFAULT_INDEX_CONCURRENCY);
  } finally {
    await index.close();
  }
});

test('a wait asked for past the deadline is not waited: the query fails at once, naming the 429 and the wait', async () => {
  const index = await scriptedIndex(() => ({ status: 429, headers: { 'retry-after': '30' }, body: TOO_MANY(8) }));
  try {
    const started = Date.now();
    await assert.rejects(pull(new GraphqlIndex(index.url, { timeoutMs: 2_000 }), 0), (error: Error) => {
      assert.equal(error.name, 'IndexUnavailableError');
      assert.match(error.message, /answered 429 \(too many requests at once from this gateway\) and asked to wait 30 s, past this query's deadline of 2000 ms$/);
      return true;
    });
    assert.ok(Date.now() - started < 1_000, `failed without waiting (${Date.now() - started} ms)`);
    assert.equal(index.seen.requests, 1);
  } finally {
    await index.close();
  }
});

test('a query refused again and again is sent at most 1 + maxRetries times, then fails naming the fix', async () => {
  const index = await scriptedIndex(() => ({ status: 429, headers: { 'retry-after': '0' }, body: TOO_MANY(8) }));
  try {
    await assert.rejects(pull(new GraphqlIndex(index.url, { timeoutMs: 5_000, maxRetries: 2 }), 0), /answered 429 .* 3 times in a row: .*raise GQL_MAX_CONCURRENT_PER_CLIENT on the index/);
    assert.equal(index.seen.requests, 3);
  } finally {
    await index.close();
  }
});

test('a refused query is answered once the index has room; the bound it named holds the others back, within their deadline', async () => {
  const index = await scriptedIndex((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '0' }, body: TOO_MANY(1) } : { status: 200, body: EMPTY, delayMs: 400 }));
  try {
    const client = new GraphqlIndex(index.url, { timeoutMs: 600 });
    const first = pull(client, 0);
    // Once the refused query has been sent again, the bound of 1 is the gateway's.
    while (index.seen.requests < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(client.maxConcurrent, 1);
    const started = Date.now();
    const second = await pull(client, 1).then(() => undefined, (error: Error) => error);
    const waited = Date.now() - started;
    assert.deepEqual(await first, { spaceKnown: false, digest: undefined }, 'the refused query was sent again and answered');
    assert.match(String(second?.message), /^the index at http:\/\/127\.0\.0\.1:\d+\/graphql did not answer/, 'the one behind it had only what was left of its deadline');
    assert.ok(waited < 1_000, `it failed within its deadline (${waited} ms)`);
    assert.equal(index.seen.most, 1, 'never more at once than the bound the index named');
  } finally {
    await index.close();
  }
});

test('Retry-After is read as seconds or an HTTP date; anything else is the default second', () => {
  assert.equal(retryAfterMs('2'), 2000);
  assert.equal(retryAfterMs(null), 1000);
  assert.equal(retryAfterMs('soon'), 1000);
  const inFive = retryAfterMs(new Date(Date.now() + 5_000).toUTCString());
  assert.ok(inFive > 3_000 && inFive <= 5_000, String(inFive));
  assert.throws(() => new GraphqlIndex('http://127.0.0.1:1/graphql', { maxConcurrent: 0 }), /^Error: the index client's maxConcurrent must be a whole number of at least 1, got 0$/);
});
