// `hcr graphql`'s bound on the requests one client has answered at once counts an IPv6 client by
// its /64 (a host may send from any address in it), through the same GQL_TRUST_PROXY reading as
// before; /metrics is still allowed by the client's own address. The requests come over HTTP
// through a trusted (loopback) proxy naming the client in X-Forwarded-For: this machine has no
// two IPv6 addresses in one /64 to send from. The bound and the readers are the ones
// `hcr graphql` puts in front of its GraphQL route (graphql-main.ts).
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { limitConcurrentRequests } from '../../src/indexer/graphql-client-concurrency';
import { graphqlObservabilityFromEnv, observeGraphql } from '../../src/indexer/graphql-observability';

describe('the GraphQL per-client bound for an IPv6 client', () => {
  let server: Server;
  let url: string;
  const held: (() => void)[] = [];

  before(async () => {
    const options = graphqlObservabilityFromEnv('postgres://squid@127.0.0.1:9/squid', {});
    const app = express();
    app.use('/graphql', limitConcurrentRequests(1, options.clientKey!));
    // A query sent with ?hold is held until the test lets it go, as a slow one holds its place.
    app.post('/graphql', (req, res) => void (req.query.hold === undefined ? res.json({ data: {} }) : held.push(() => res.json({ data: {} }))));
    observeGraphql(app, options);
    server = app.listen(0, '::1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://[::1]:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const answer of held.splice(0)) answer();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const query = (address: string, hold = false) => fetch(`${url}/graphql${hold ? '?hold' : ''}`, { method: 'POST', headers: { 'x-forwarded-for': address, 'content-type': 'application/json' }, body: '{}' });

  test('a query in flight from one address of a /64 is the one allowed for every address in it', async () => {
    const first = query('2001:db8:e:f::1', true);
    for (let i = 0; held.length < 1 && i < 100; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(held.length, 1);
    const refused = await query('2001:DB8:E:F:1:2:3:4');
    assert.equal(refused.status, 429, 'another address of the /64 had a place of its own');
    assert.match(((await refused.json()) as { errors: { message: string }[] }).errors[0].message, /Too many requests at once from 2001:db8:e:f::\/64: at most 1/);
    assert.equal((await query('2001:db8:e:10::1')).status, 200, 'the next /64 is another client');
    for (const answer of held.splice(0)) answer();
    assert.equal((await first).status, 200);
  });

  test('/metrics is allowed by the client\'s own address, not its /64', async () => {
    // ::1 is loopback, which may read /metrics; its /64 (::/64) is no address to allow.
    const metrics = await fetch(`${url}/metrics`);
    assert.equal(metrics.status, 200, await metrics.text());
  });
});
