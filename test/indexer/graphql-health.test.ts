// The GraphQL server's /healthz, /readyz and /metrics: ready while Postgres answers and the index
// keeps up with the chain; not ready, saying how far behind, when the processor stops and the
// chain moves on, or when its database holds another chain's index; every request timed in
// /metrics.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { shownHash } from '../../src/chain';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { waitFor } from './helpers/wait';

const OTHER_CHAIN_BLOCK = `0x${'ef'.repeat(32)}`;

let chain: TestChain;
let pg: TestPostgres;
let indexer: TestIndexer;
let base: string;
let dbUrl: string;

before(async () => {
  chain = await startTestChain({ finalityLag: 0 });
  pg = await startTestPostgres();
  dbUrl = await pg.newDatabase('graphql_health');
  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl, graphqlEnv: { CHAIN_RPC: chain.devnet.wsUrl, GQL_MAX_INDEX_LAG_BLOCKS: '3' } });
  base = indexer.graphql.url.replace(/\/graphql$/, '');
});

after(async () => {
  await indexer?.close();
  await pg?.close();
  await chain?.close();
});

const readyz = async () => {
  const response = await fetch(`${base}/readyz`);
  return { status: response.status, body: (await response.json()) as { status: string; reason: string; checks: Record<string, { ok: boolean; detail: string }> } };
};

test('answers /healthz while the process lives', async () => {
  const response = await fetch(`${base}/healthz`);
  assert.equal(response.status, 200);
  assert.equal(((await response.json()) as { service: string }).service, 'graphql');
});

test('is ready once Postgres answers and the index is within the lag threshold of the chain', async () => {
  await waitFor(async () => (await readyz()).status === 200, 'GraphQL to be ready', 30_000);
  const { body } = await readyz();
  assert.equal(body.status, 'ready');
  assert.match(body.checks.postgres.detail, /^the index is at block #\d+$/);
  assert.match(body.checks.index.detail, /^at block #\d+, \d+ behind the chain's finalized #\d+$/);
});

test('times every request in /metrics, cached answers apart, and sends each request\'s id back', async () => {
  for (let i = 0; i < 2; i++) {
    const answer = await fetch(indexer.graphql.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `q-${i}` }, body: '{"query":"{ spaces(limit: 1) { id } }"}' });
    assert.equal(answer.headers.get('x-request-id'), `q-${i}`, 'the request id does not come back (a cached answer too)');
  }
  const response = await fetch(`${base}/metrics`);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await response.text();
  assert.match(text, /^hcr_graphql_request_duration_seconds_count\{status="200",cached="no"\} [1-9]/m);
  assert.match(text, /^hcr_graphql_request_duration_seconds_count\{status="200",cached="yes"\} [1-9]/m, "the response cache's answers (its fast path) are not timed");
  assert.match(text, /^hcr_graphql_requests_total\{status="200"\} [2-9]/m);
  assert.match(text, /^hcr_graphql_process_resident_memory_bytes \d+/m);
});

test('is not ready when the index falls behind, saying by how much and what to check', async () => {
  await indexer.processor.stop();
  await fetch(chain.devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"dev_newBlock","params":[{"count":10}]}' });
  const { status, body } = await readyz();
  assert.equal(status, 503);
  assert.equal(body.checks.postgres.ok, true);
  assert.equal(body.checks.index.ok, false);
  assert.match(body.reason, /^index: the index is at block #\d+, \d+ blocks behind the chain's finalized #\d+ \(more than 3\): check that the processor runs and reaches the chain, or raise the threshold$/);
});

test('is not ready when its database holds another chain\'s index, though the heights match', async () => {
  // The processor was stopped above: its state row is changed here as another chain's index would have it.
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ height: number; hash: string }>('SELECT height, hash FROM squid_processor.status WHERE id = 0');
    await client.query("UPDATE squid_processor.status SET height = $1, hash = $2 WHERE id = 0", [rows[0].height + 10, OTHER_CHAIN_BLOCK]);
    const { status, body } = await readyz();
    assert.equal(status, 503);
    assert.equal(body.checks.postgres.ok, true);
    assert.equal(
      body.checks.index.detail,
      `the index holds another chain: it indexed block #${rows[0].height + 10} as ${shownHash(OTHER_CHAIN_BLOCK)}, but the chain at ${chain.devnet.wsUrl} has ${shownHash((await chain.api.rpc.chain.getBlockHash(rows[0].height + 10)).toHex())} at that height: point DB_URL at this chain's index, or CHAIN_RPC at the chain the index was built from (after a chain reset, re-index into an empty database)`,
    );
    await client.query('UPDATE squid_processor.status SET height = $1, hash = $2 WHERE id = 0', [rows[0].height, rows[0].hash]);
    assert.equal((await readyz()).body.checks.index.detail.startsWith('the index holds another chain'), false, 'its own chain\'s row passes that check');
  } finally {
    await client.end();
  }
});
