// The GraphQL response cache: a repeated query is answered from memory, an answer never shows
// the index older than it was when the query arrived (the genesis record a processor adds on
// start included), errors are not cached, it can be turned off, and a broken database only turns
// it off.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { startGraphql } from '../../src/indexer/graphql-server';
import { indexVersion } from '../../src/indexer/graphql-response-cache';
import { recordIndexedGenesis } from '../../src/processor/chain-guard';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { devAccounts, type DevAccounts } from './helpers/accounts';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { submit } from './helpers/submit';
import { waitFor } from './helpers/wait';

let chain: TestChain;
let pg: TestPostgres;
let indexer: TestIndexer;
let dbUrl: string;
let a: DevAccounts;

before(async () => {
  a = await devAccounts();
  chain = await startTestChain();
  pg = await startTestPostgres();
  await submit(chain.api.tx.containerRegistry.createSpace('cache-0'), a.alice);
  dbUrl = await pg.newDatabase('response_cache');
  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl });
  await indexAll(60_000);
});

/**
 * Waits until squidStatus (through GraphQL, as a client would look) shows the chain's best block
 * of now, or a later one: the dev chain may seal another block meanwhile.
 */
async function indexAll(timeoutMs = 30_000): Promise<void> {
  const best = (await chain.api.rpc.chain.getHeader()).number.toNumber();
  await waitFor(async () => {
    const { squidStatus } = await indexer.query<{ squidStatus: { height: number } }>('{ squidStatus { height } }');
    return squidStatus.height >= best;
  }, `the index to reach block #${best}`, timeoutMs);
}

after(async () => {
  await indexer?.close();
  await pg?.close();
  await chain?.close();
});

interface Answer {
  body: any;
  /** Set on answers served from the cache. */
  age: string | null;
}

async function ask(url: string, query: string): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  assert.equal(response.headers.get('cache-control'), null, 'no HTTP caching: browsers cannot know when the index moves on');
  return { body: await response.json(), age: response.headers.get('age') };
}

const SPACES = '{ spaces(orderBy: name_ASC) { name } }';
const TAGS = '{ tags(orderBy: name_ASC) { name } }';
const pushTag = (tag: string) => chain.api.tx.containerRegistry.addManifestHeadDigestAndManifestJsonCid('cache-0', 'web', tag, `sha256:${tag}`, `bafy-${tag}`);

test('a repeated query is answered from the cache, with the same data', async () => {
  const first = await ask(indexer.graphql.url, SPACES);
  const second = await ask(indexer.graphql.url, SPACES);
  assert.equal(first.age, null, 'the first answer comes from Postgres');
  assert.notEqual(second.age, null, 'the second answer comes from the cache');
  assert.deepEqual(second.body, first.body);
  assert.deepEqual(first.body.data.spaces.map((s: { name: string }) => s.name), ['cache-0']);
});

test('once squidStatus shows a block, the next query shows its records (five blocks in a row)', async () => {
  for (let i = 1; i <= 5; i++) {
    // Cached before the block, so a stale answer would be there to be served.
    await ask(indexer.graphql.url, TAGS);
    await submit(pushTag(`t${i}`), a.alice);
    await indexAll();
    const after = await ask(indexer.graphql.url, TAGS);
    assert.deepEqual(
      after.body.data.tags.map((t: { name: string }) => t.name),
      Array.from({ length: i }, (_, k) => `t${k + 1}`),
      `after block ${i}`,
    );
  }
});

test('a hit carries the headers of the answer it repeats', async () => {
  const query = JSON.stringify({ query: '{ spaces(orderBy: id_ASC) { id name memberCount } }' });
  const post = (headers: Record<string, string> = {}) => fetch(indexer.graphql.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: query });
  const miss = await post();
  const hit = await post();
  assert.equal(miss.headers.get('age'), null);
  assert.notEqual(hit.headers.get('age'), null);
  for (const header of ['content-type', 'content-length', 'etag', 'access-control-allow-origin', 'x-powered-by']) {
    assert.equal(hit.headers.get(header), miss.headers.get(header), header);
  }
  assert.match(hit.headers.get('etag') ?? '', /^W\/"/);
  assert.equal(await hit.text(), await miss.text());
  // With a charset parameter the body is the same JSON, and so is the answer.
  const withCharset = await post({ 'content-type': 'application/json; charset=utf-8' });
  assert.notEqual(withCharset.headers.get('age'), null);
  assert.equal(await withCharset.text(), await post().then((r) => r.text()));
});

test('an answer with errors is not cached', async () => {
  const wrong = '{ spaces(where: { id_eq: "1" }, limit: -1) { name } }';
  const first = await ask(indexer.graphql.url, wrong);
  const second = await ask(indexer.graphql.url, wrong);
  assert.ok(first.body.errors?.length, 'the query is refused');
  assert.equal(second.age, null);
});

test('GQL_RESPONSE_CACHE=off answers every query from Postgres; with the cache on, CORS and bad bodies are answered the same', async () => {
  const server = await startGraphql({ dbUrl, port: 0, env: { GQL_RESPONSE_CACHE: 'off' } });
  try {
    const first = await ask(server.url, SPACES);
    const second = await ask(server.url, SPACES);
    assert.equal(second.age, null);
    assert.deepEqual(second.body, first.body);

    // A browser page on another origin (the wallet page) reads GraphQL: hits must carry CORS too.
    const fromPage = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:5000' }, body: JSON.stringify({ query: SPACES }) });
    await fromPage(indexer.graphql.url);
    const hit = await fromPage(indexer.graphql.url);
    assert.notEqual(hit.headers.get('age'), null);
    assert.equal(hit.headers.get('access-control-allow-origin'), (await fromPage(server.url)).headers.get('access-control-allow-origin'));
    assert.equal(hit.headers.get('access-control-allow-origin'), '*');
    const preflight = (url: string) => fetch(url, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:5000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    const [cached, plain] = await Promise.all([preflight(indexer.graphql.url), preflight(server.url)]);
    assert.equal(cached.status, plain.status);
    assert.equal(cached.headers.get('access-control-allow-methods'), plain.headers.get('access-control-allow-methods'));

    // Bodies that cannot be read: the same JSON refusal, naming the problem and the fix, with and
    // without the cache in front, whichever way the body comes (with a length, or chunked).
    const oneChunk = (text: string) => new ReadableStream({ start: (controller) => (controller.enqueue(new TextEncoder().encode(text)), controller.close()) });
    const refusals: [string, number, RegExp, string | (() => ReadableStream)][] = [
      // Our sentence around the parser's reason; the reason's words are V8's and change between Node versions.
      ['not JSON', 400, /^The request body is not valid JSON \(.+\); send a JSON object with the query, e\.g\. \{"query": .+\}, with Content-Type: application\/json\.$/, '{"query": "{ spaces { name } }"'],
      ['not JSON, chunked', 400, /not valid JSON/, () => oneChunk('{"query": ')],
      ['JSON but not an object', 400, /JSON but not an object; send a JSON object with the query/, '"{ spaces { name } }"'],
      ['too large', 413, /request body \(300000 bytes\) is larger than this server takes \(262144 bytes\); send a smaller query, or start the server with a larger --max-request-size/, ' '.repeat(300_000)],
      ['too large, chunked', 413, /is larger than this server takes \(262144 bytes\)/, () => oneChunk(' '.repeat(300_000))],
    ];
    for (const [what, status, message, body] of refusals) {
      const send = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : body(), duplex: 'half' } as RequestInit);
      for (const response of await Promise.all([send(indexer.graphql.url), send(server.url)])) {
        assert.equal(response.status, status, what);
        assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8', what);
        assert.equal(response.headers.get('access-control-allow-origin'), '*', `${what}: a page on another origin can read why`);
        const text = await response.text();
        assert.doesNotMatch(text, /\bat \S+ \(|node_modules/, `${what}: no stack trace`);
        const [error] = JSON.parse(text).errors;
        assert.match(error.message, message, what);
        assert.equal(error.extensions?.code, 'BAD_REQUEST_BODY', what);
      }
    }
  } finally {
    await server.stop();
  }
});

test('an unknown GQL_RESPONSE_CACHE value stops the server with the fix', async () => {
  await assert.rejects(startGraphql({ dbUrl, port: 0, env: { GQL_RESPONSE_CACHE: 'sometimes' } }), /GQL_RESPONSE_CACHE="sometimes" is neither on nor off; set it to "off"/);
});

test('the index version changes with every commit of the processor or of the content indexer, and is shared by concurrent readers', async () => {
  const version = indexVersion(dbUrl);
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const before = await version.read();
    // The processor's status row, then the content indexer's ('-' before it has one).
    assert.match(before ?? '', /^\d+\/(\d+|-)$/);
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => version.read()));
    assert.deepEqual(new Set(concurrent), new Set([before]));
    await submit(pushTag('version'), a.alice);
    await indexAll();
    const later = await version.read();
    assert.notEqual(later, before);
    // The same row as the processor's status: a read right after a commit sees it.
    const { rows } = await client.query<{ xmin: string }>('SELECT xmin::text FROM squid_processor.status WHERE id = 0');
    assert.equal(later?.split('/')[0], rows[0].xmin);
    // A commit of the content indexer alone (it touches its status row) is a new version too.
    await client.query(`INSERT INTO content_index_status (id, ipfs_api, ipfs_reachable, discovered_to_block, updated_at) VALUES ('0', 'test', true, -1, now())
      ON CONFLICT (id) DO UPDATE SET updated_at = now()`);
    const afterContent = await version.read();
    assert.equal(afterContent?.split('/')[0], rows[0].xmin);
    assert.notEqual(afterContent, later);
  } finally {
    await client.end();
    await version.close();
  }
});

test('the genesis record a processor adds to an index built before it is answered at once, not after the next commit', async () => {
  const GENESIS = '{ indexedChainById(id: "0") { genesisHash } }';
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    // The index as one built before the record existed, its answer without it cached.
    await client.query('DELETE FROM indexed_chain');
    const version = indexVersion(dbUrl);
    const before = await version.read().finally(() => version.close());
    await ask(indexer.graphql.url, GENESIS);
    const cached = await ask(indexer.graphql.url, GENESIS);
    assert.notEqual(cached.age, null, 'the answer without the record was not cached');
    assert.equal(cached.body.data.indexedChainById, null);

    // What the processor does when it starts on such an index.
    await recordIndexedGenesis(dbUrl, chain.devnet.wsUrl);
    const answer = await ask(indexer.graphql.url, GENESIS);
    assert.equal(answer.body.data.indexedChainById?.genesisHash, chain.api.genesisHash.toHex());
    const height = await client.query<{ height: number }>('SELECT height FROM squid_processor.status WHERE id = 0');
    assert.ok(height.rows[0].height >= 0, 'the status row lost its height');
    const after = indexVersion(dbUrl);
    assert.notEqual(await after.read().finally(() => after.close()), before, 'the index version did not change');
  } finally {
    await client.end();
  }
});

test('an unreachable database reads as no version, quickly after the first failure', async () => {
  const version = indexVersion('postgres://postgres:postgres@127.0.0.1:1/none');
  try {
    assert.equal(await version.read(), undefined);
    const start = performance.now();
    assert.equal(await version.read(), undefined);
    assert.ok(performance.now() - start < 100, 'no new connection attempt right after a failure');
  } finally {
    await version.close();
  }
});

test('a database without the processor status reads as no version', async () => {
  const version = indexVersion(await pg.newDatabase('no_processor_yet'));
  try {
    assert.equal(await version.read(), undefined);
  } finally {
    await version.close();
  }
});
