// GraphQL's /metrics is served to loopback and private networks by default, by the client address
// GQL_TRUST_PROXY gives. Behind an ingress on a private network that GQL_TRUST_PROXY does not list,
// every request seems to come from the ingress, and a private address passes: anyone on the
// internet read the metrics through it. A request that such a proxy forwarded for someone else
// (X-Forwarded-For) is refused, naming the setting, unless GQL_METRICS_ALLOW is `any`. Here the
// test's own loopback connection plays the ingress: GQL_TRUST_PROXY lists another address.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import express from 'express';
import { graphqlObservabilityFromEnv, observeGraphql } from '../../src/indexer/graphql-observability';

async function graphqlServer(env: NodeJS.ProcessEnv): Promise<{ url: string; server: Server }> {
  const app = express();
  observeGraphql(app, graphqlObservabilityFromEnv('postgres://squid@127.0.0.1:9/squid', env));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('GraphQL /metrics behind a proxy GQL_TRUST_PROXY does not list', () => {
  const servers: Server[] = [];
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  const start = async (env: NodeJS.ProcessEnv) => {
    const started = await graphqlServer(env);
    servers.push(started.server);
    return started.url;
  };

  test('is refused to an internet client it forwards, naming GQL_TRUST_PROXY; a direct scrape is served', async () => {
    const url = await start({ GQL_TRUST_PROXY: '10.9.9.9' });
    const forwarded = await fetch(`${url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.5' } });
    const text = await forwarded.text();
    assert.equal(forwarded.status, 403, `an internet client read /metrics through an untrusted proxy: ${text.slice(0, 80)}`);
    assert.match(text, /not served through 127\.0\.0\.1: it forwarded the request for another client .*GQL_TRUST_PROXY/);
    const direct = await fetch(`${url}/metrics`);
    assert.equal(direct.status, 200);
    assert.match(await direct.text(), /hcr_graphql_requests_total/);
  });

  test('is served through a listed proxy to a private client it names, and refused for an internet one', async () => {
    const url = await start({});
    assert.equal((await fetch(`${url}/metrics`, { headers: { 'x-forwarded-for': '10.1.2.3' } })).status, 200);
    assert.equal((await fetch(`${url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.5' } })).status, 403);
  });

  test('is served to anyone, however forwarded, when GQL_METRICS_ALLOW is any', async () => {
    const url = await start({ GQL_TRUST_PROXY: '10.9.9.9', GQL_METRICS_ALLOW: 'any' });
    assert.equal((await fetch(`${url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.5' } })).status, 200);
  });
});
