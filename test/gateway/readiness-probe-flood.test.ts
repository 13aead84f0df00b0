// Anyone may ask for /readyz, and each answer asks the chain, IPFS and the index. A flood of probes
// must not become a flood of queries to them: sent at once, they queued at the index (which the
// gateway asks a few queries at a time) until the orchestrator's own probe waited past its 3 s
// deadline and the gateway reported itself not ready, to be taken out of the load balancer or
// restarted. Probes asked while a run is under way share it; the next one after it runs anew.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiPromise } from '@polkadot/api';
import express from 'express';
import type { BlobStore } from '../../src/ipfs/blob-store';
import { healthRoutes } from '../../src/gateway/http/health';
import { IndexHttp } from '../../src/gateway/resolve/index-http';

/** A chain client that is connected and at finalized block #7, counting the heads asked for. */
function standInChain(): { api: ApiPromise; heads: () => number } {
  let heads = 0;
  const chain = {
    getFinalizedHead: async () => (heads++, '0x00'),
    getHeader: async () => ({ number: { toNumber: () => 7 } }),
  };
  return { api: { isConnected: true, rpc: { chain } } as unknown as ApiPromise, heads: () => heads };
}

/** An IPFS store whose ping answers after `ms`, failing once `failing` is set. */
function standInStore(ms: number): { store: BlobStore; pings: () => number; fail: () => void } {
  let pings = 0;
  let failing = false;
  const store = {
    location: 'http://kubo:5001',
    ping: async () => {
      pings++;
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (failing) throw new Error('IPFS does not answer at http://kubo:5001: start it');
    },
  };
  return { store: store as unknown as BlobStore, pings: () => pings, fail: () => (failing = true) };
}

/** An index's GraphQL that answers squidStatus after `ms`, counting the queries. */
async function slowIndex(ms: number): Promise<{ url: string; queries: () => number; close: () => Promise<void> }> {
  let queries = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      queries++;
      setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ data: { squidStatus: { height: 7 } } })), ms);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    queries: () => queries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function serve(app: express.Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(app);
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

test('a flood of /readyz probes asks the chain, IPFS and the index once, and every probe is answered ready', async () => {
  const index = await slowIndex(700);
  const chain = standInChain();
  const ipfs = standInStore(100);
  const app = express();
  app.use(healthRoutes({ api: chain.api, store: ipfs.store, index: new IndexHttp(index.url), maxIndexLagBlocks: 20, stopping: () => false }));
  const gateway = await serve(app);
  try {
    const answers = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const response = await fetch(`${gateway.url}/readyz`);
        return { status: response.status, body: await response.text() };
      }),
    );
    const notReady = answers.filter((answer) => answer.status !== 200);
    assert.deepEqual(notReady, [], `${notReady.length} of 40 probes were told the gateway is not ready, because other probes held the index: ${notReady[0]?.body.slice(0, 300)}`);
    assert.equal(index.queries(), 1, 'the index was asked once for all the probes asked at once');
    assert.equal(ipfs.pings(), 1, 'IPFS was pinged once for all the probes asked at once');
    assert.ok(chain.heads() <= 2, `the chain was asked for its head once per check, not per probe (${chain.heads()} times)`);
  } finally {
    await gateway.close();
    await index.close();
  }
});

test('a probe after a run has ended runs the checks anew, so /readyz follows a service going down at once', async () => {
  const chain = standInChain();
  const ipfs = standInStore(1);
  const app = express();
  app.use(healthRoutes({ api: chain.api, store: ipfs.store, maxIndexLagBlocks: 20, stopping: () => false }));
  const gateway = await serve(app);
  try {
    const first = await fetch(`${gateway.url}/readyz`);
    assert.equal(first.status, 200, await first.text());
    ipfs.fail();
    const second = await fetch(`${gateway.url}/readyz`);
    const text = await second.text();
    assert.equal(second.status, 503, `a finding from before IPFS went down was given again: ${text}`);
    assert.match(text, /IPFS does not answer at http:\/\/kubo:5001: start it/);
    assert.equal(ipfs.pings(), 2);
  } finally {
    await gateway.close();
  }
});
