// Bounds on one request's answer and on one client, against the real server and index:
// - a query within every query bound (nesting, lists, fields) could still return every row of
//   nested lists without `limit` (25,600 rows of 30 values on a space of 160 images): the rows of
//   an answer are now counted and the request refused past GQL_MAX_RESPONSE_ROWS, while pages of
//   any list are answered as before (src/indexer/graphql-response-rows.ts);
// - one client could hold every pooled connection with requests side by side: past
//   GQL_MAX_CONCURRENT_PER_CLIENT in flight it gets 429 with Retry-After
//   (src/indexer/graphql-client-concurrency.ts), counted by the address GQL_TRUST_PROXY gives;
// - /metrics was served to anyone who reached the port: now only to loopback and private
//   networks unless GQL_METRICS_ALLOW says otherwise (src/indexer/graphql-metrics-access.ts).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startGraphql, type GraphqlServer } from '../../src/indexer/graphql-server';
import { countRows, DEFAULT_MAX_RESPONSE_ROWS, maxResponseRowsFromEnv } from '../../src/indexer/graphql-response-rows';
import { DEFAULT_MAX_CONCURRENT_PER_CLIENT, maxConcurrentPerClientFromEnv } from '../../src/indexer/graphql-client-concurrency';
import { metricsAllowFromEnv } from '../../src/indexer/graphql-metrics-access';
import { trustProxyFromEnv } from '../../src/indexer/graphql-client-address';
import { gqlResponse } from './helpers/graphql';
import { indexWideSpace, type WideSpaceIndex } from './helpers/wide-space';

const IMAGES = 20;
const MAX_ROWS = 100;
const MAX_CONCURRENT = 2;

let wide: WideSpaceIndex;
/** Small bounds: 100 rows an answer, 2 requests at once a client; /metrics as by default. */
let bounded: GraphqlServer;
/** /metrics only for 10.0.0.0/8, and no proxy trusted. */
let restricted: GraphqlServer;

before(async () => {
  wide = await indexWideSpace('request_bounds', IMAGES);
  [bounded, restricted] = await Promise.all([
    startGraphql({ dbUrl: wide.dbUrl, port: 0, env: { GQL_MAX_RESPONSE_ROWS: String(MAX_ROWS), GQL_MAX_CONCURRENT_PER_CLIENT: String(MAX_CONCURRENT) } }),
    startGraphql({ dbUrl: wide.dbUrl, port: 0, env: { GQL_METRICS_ALLOW: '10.0.0.0/8', GQL_TRUST_PROXY: 'false', GQL_MAX_CONCURRENT_PER_CLIENT: '0' } }),
  ]);
});

after(async () => {
  await Promise.all([bounded?.stop(), restricted?.stop()]);
  await wide?.close();
});

test('an answer with more rows than GQL_MAX_RESPONSE_ROWS is refused, naming the bound and the fix, and pages within it are answered', async () => {
  // 20 images, each with its space and the space's 20 images: 440 rows, within every query bound.
  const nested = '{ images { id name space { id images { id name } } } }';
  const refused = await gqlResponse(bounded.url, nested);
  assert.equal(refused.data, null, `no rows are sent, got ${JSON.stringify(refused.data)?.slice(0, 200)}`);
  const [error] = refused.errors ?? [];
  assert.equal(error?.extensions?.code, 'RESPONSE_TOO_LARGE', JSON.stringify(refused).slice(0, 300));
  assert.equal(error.extensions?.maxResponseRows, MAX_ROWS);
  assert.match(error.message, /^This answer would hold more than 100 rows \(\d+ counted before it was stopped.*\); at most 100 may be returned in one answer\. Ask for fewer: give each list a smaller `limit` and page with `offset` \(on connections, `first` and `after`\), nest fewer lists, or start the server with a larger GQL_MAX_RESPONSE_ROWS\.$/);
  assert.doesNotMatch(JSON.stringify(refused), /at .*\.(js|ts):\d+/, 'no stack trace');

  // The rows of all root fields count together: two lists of 60 rows are one answer of 120.
  const split = '{ a: images(limit: 15) { id space { id images(limit: 3) { id } } } b: images(limit: 15) { id space { id images(limit: 3) { id } } } }';
  assert.equal((await gqlResponse(bounded.url, split)).errors?.[0]?.extensions?.code, 'RESPONSE_TOO_LARGE');

  // Paging through the same rows within the bound works: limit and offset, first and after.
  const pages: string[] = [];
  for (let offset = 0; offset < IMAGES; offset += 5) {
    const page = await gqlResponse<{ images: { id: string; space: { images: { id: string }[] } }[] }>(bounded.url, `{ images(orderBy: id_ASC, limit: 5, offset: ${offset}) { id space { images(limit: 5) { id } } } }`);
    assert.equal(page.errors, undefined, JSON.stringify(page.errors));
    pages.push(...page.data!.images.map((image) => image.id));
  }
  assert.equal(new Set(pages).size, IMAGES);
  let after: string | null = null;
  const seen: string[] = [];
  for (;;) {
    const page: any = await gqlResponse(bounded.url, `query($after: String) { imagesConnection(orderBy: id_ASC, first: 8, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`, { after });
    assert.equal(page.errors, undefined, JSON.stringify(page.errors));
    seen.push(...page.data.imagesConnection.edges.map((edge: { node: { id: string } }) => edge.node.id));
    if (!page.data.imagesConnection.pageInfo.hasNextPage) break;
    after = page.data.imagesConnection.pageInfo.endCursor;
  }
  assert.deepEqual(seen, [...pages].sort());

  // The default bound answers the same query.
  const roomy = await gqlResponse<{ images: unknown[] }>(restricted.url, nested);
  assert.equal(roomy.errors, undefined);
  assert.equal(roomy.data!.images.length, IMAGES);
});

test('rows are counted as objects of the answer, only up to the bound; the setting is checked', () => {
  assert.equal(countRows([{ a: 1, b: [{ c: 2 }, { c: 3 }], d: { e: null } }, { when: new Date(), bytes: Buffer.from('x') }], 100), 5);
  assert.ok(countRows(Array.from({ length: 1e5 }, () => ({ x: [{}, {}] })), 10) <= 12, 'the walk stops once past the bound');
  assert.equal(maxResponseRowsFromEnv({}), DEFAULT_MAX_RESPONSE_ROWS);
  assert.equal(maxResponseRowsFromEnv({ GQL_MAX_RESPONSE_ROWS: '500' }), 500);
  assert.throws(() => maxResponseRowsFromEnv({ GQL_MAX_RESPONSE_ROWS: 'lots' }), /^Error: GQL_MAX_RESPONSE_ROWS="lots" is not a whole number of at least 1: give how many rows \(objects\) one answer may hold \(default 20000\), or unset it\.$/);
  assert.equal(maxConcurrentPerClientFromEnv({}), DEFAULT_MAX_CONCURRENT_PER_CLIENT);
  assert.equal(maxConcurrentPerClientFromEnv({ GQL_MAX_CONCURRENT_PER_CLIENT: '0' }), 0);
  assert.throws(() => maxConcurrentPerClientFromEnv({ GQL_MAX_CONCURRENT_PER_CLIENT: '-1' }), /GQL_MAX_CONCURRENT_PER_CLIENT="-1" is not a whole number of at least 0/);
  assert.throws(() => metricsAllowFromEnv({ GQL_METRICS_ALLOW: 'everyone' }), /^Error: GQL_METRICS_ALLOW="everyone": "everyone" is not an address, a CIDR/);
  assert.deepEqual(metricsAllowFromEnv({ GQL_METRICS_ALLOW: 'loopback, 10.0.0.0/8' }), ['loopback', '10.0.0.0/8']);
  assert.throws(() => trustProxyFromEnv({ GQL_TRUST_PROXY: 'proxy.example' }), /^Error: GQL_TRUST_PROXY="proxy.example": "proxy.example" is not an address/);
});

/** A request whose body is still on its way: it holds its place until `finish` sends the rest. */
function heldRequest(url: string, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ query: '{ squidStatus { height } }' });
  let respond!: (value: { status: number; body: string }) => void;
  const answered = new Promise<{ status: number; body: string }>((resolve) => (respond = resolve));
  // Chunked, so it goes to Express (and the bound) rather than to the cache's fast path.
  const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers } }, (response) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk) => (text += chunk));
    response.on('end', () => respond({ status: response.statusCode!, body: text }));
  });
  request.on('error', () => undefined);
  request.write(body.slice(0, 5));
  request.flushHeaders();
  return { answered, finish: () => request.end(body.slice(5)) };
}

/** `count` held requests, each given time to reach the server before the next, so they take places in order. */
async function holdPlaces(url: string, count: number) {
  const held = [];
  for (let i = 0; i < count; i += 1) {
    held.push(heldRequest(url));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return held;
}

let asked = 0;
/** Posts a query asked for the first time: a cache hit costs no SQL, so it is never counted or refused. */
const post = async (url: string, headers: Record<string, string> = {}) => {
  asked += 1;
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: `{ q${asked}: squidStatus { height } }` }) });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
};

test('a client with GQL_MAX_CONCURRENT_PER_CLIENT requests in flight gets 429 with Retry-After; others, and the same client later, are answered', async () => {
  const held = await holdPlaces(bounded.url, MAX_CONCURRENT);
  const refused = await post(bounded.url);
  assert.equal(refused.status, 429);
  assert.equal(refused.retryAfter, '1');
  assert.equal(refused.body.errors?.[0]?.extensions?.code, 'TOO_MANY_REQUESTS');
  assert.match(refused.body.errors![0].message, /^Too many requests at once from (127\.0\.0\.1|::1): at most 2 are answered at a time for one client\. Wait for an answer before sending more \(retry after 1 s\), or start the server with a larger GQL_MAX_CONCURRENT_PER_CLIENT; behind a reverse proxy, list it in GQL_TRUST_PROXY so that its clients count apart\.$/);
  // Another client behind the trusted local proxy (loopback by default) counts apart.
  assert.equal((await post(bounded.url, { 'x-forwarded-for': '203.0.113.7' })).status, 200);
  // The held requests are answered once their bodies arrive, and their places are given back.
  for (const request of held) request.finish();
  for (const request of held) assert.equal((await request.answered).status, 200);
  assert.equal((await post(bounded.url)).status, 200);
  // Health checks are never refused, however busy the client.
  const busy = await holdPlaces(bounded.url, MAX_CONCURRENT);
  assert.equal((await fetch(bounded.url.replace(/graphql$/, 'healthz'))).status, 200);
  for (const request of busy) request.finish();
  await Promise.all(busy.map((request) => request.answered));
});

test('/metrics is served to loopback by default and refused elsewhere, naming GQL_METRICS_ALLOW', async () => {
  const base = (server: GraphqlServer) => server.url.replace(/\/graphql$/, '');
  const local = await fetch(`${base(bounded)}/metrics`);
  assert.equal(local.status, 200);
  assert.match(await local.text(), /hcr_graphql_requests_total/);
  // A public client behind the trusted local proxy is not taken for a local one.
  const proxied = await fetch(`${base(bounded)}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
  assert.equal(proxied.status, 403);
  assert.equal(await proxied.text(), '/metrics is not served to 203.0.113.7: scrape it from an address GQL_METRICS_ALLOW lists (default: loopback and private networks), or behind a reverse proxy, list the proxy in GQL_TRUST_PROXY.\n');
  // GQL_METRICS_ALLOW=10.0.0.0/8 leaves loopback out; with no proxy trusted, a forged header does
  // not make the client a 10/8 one: it makes the connecting address an untrusted proxy.
  const elsewhere = await fetch(`${base(restricted)}/metrics`, { headers: { 'x-forwarded-for': '10.1.2.3' } });
  assert.equal(elsewhere.status, 403);
  assert.match(await elsewhere.text(), /^\/metrics is not served through (127\.0\.0\.1|::1): it forwarded the request for another client .*GQL_TRUST_PROXY/);
  const direct = await fetch(`${base(restricted)}/metrics`);
  assert.equal(direct.status, 403);
  assert.match(await direct.text(), /^\/metrics is not served to (127\.0\.0\.1|::1): scrape it from an address GQL_METRICS_ALLOW lists/);
  assert.equal((await fetch(`${base(restricted)}/healthz`)).status, 200);
});
