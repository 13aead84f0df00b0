// Anyone may ask GraphQL's /readyz, and each run of its checks takes the health pool's one
// Postgres connection and asks the chain's node three questions over HTTP. Run per probe, a flood
// of probes queued at that one connection (past the 3 s deadline: not ready, so an orchestrator
// restarts a healthy server) and became as many requests to the node. Probes that arrive while a
// run is under way share it.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { waitFor } from './helpers/wait';

let chain: TestChain;
let pg: TestPostgres;
let indexer: TestIndexer;
let counter: Server;
let chainCalls = 0;
let base: string;

/** The node's HTTP JSON-RPC behind a relay that counts what reaches it. */
async function countingRelay(target: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      chainCalls++;
      fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(parts) })
        .then(async (answer) => res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(Buffer.from(await answer.arrayBuffer())))
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

before(async () => {
  chain = await startTestChain({ finalityLag: 0 });
  pg = await startTestPostgres();
  const dbUrl = await pg.newDatabase('graphql_readiness_flood');
  const relay = await countingRelay(chain.devnet.wsUrl.replace(/^ws/, 'http'));
  counter = relay.server;
  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl, graphqlEnv: { CHAIN_RPC: relay.url, GQL_MAX_INDEX_LAG_BLOCKS: '1000' } });
  base = indexer.graphql.url.replace(/\/graphql$/, '');
});

after(async () => {
  await indexer?.close();
  await pg?.close();
  await chain?.close();
  counter?.closeAllConnections();
  await new Promise((resolve) => counter?.close(resolve));
});

test('a flood of /readyz probes is answered ready, asking the node a few times rather than three times a probe', async () => {
  await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, 'GraphQL to be ready', 30_000);
  const before = chainCalls;
  const probes = 150;
  const answers = await Promise.all(Array.from({ length: probes }, async () => {
    const response = await fetch(`${base}/readyz`);
    return { status: response.status, body: await response.text() };
  }));
  const refused = answers.filter((answer) => answer.status !== 200);
  assert.equal(refused.length, 0, `${refused.length} of ${probes} probes were told GraphQL is not ready: ${refused[0]?.body}`);
  const asked = chainCalls - before;
  // Three questions a run; the probes arrive over a few runs, not one run each.
  assert.ok(asked < probes, `${probes} probes asked the node ${asked} times`);
});

test('a probe after a run has ended runs the checks anew', async () => {
  const before = chainCalls;
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  assert.equal(chainCalls - before, 6, 'each of two probes one after the other asks the node its three questions');
});
