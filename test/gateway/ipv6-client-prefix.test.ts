// Per-client limits count an IPv6 client by its /64: a host is normally given a whole /64 and may
// send from any address in it, and keyed by exact address it got a fresh allowance from each of
// them. This machine has no two IPv6 addresses in one /64 to send from, so the requests come
// through the gateway's trusted proxy (loopback, the default `trust proxy`), which names the
// client in X-Forwarded-For (HTTP) or x-forwarded-for metadata (gRPC), as a reverse proxy in
// front of the gateway does: everything from the request's arrival to the limiter is the
// gateway's own. Checked here: /token (the gateway's rate limits, shared with uploads), the doors'
// listings over HTTP and the gRPC plugin door, and the API token mint rate.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { Request } from 'express';
import { MintRate } from '../../src/gateway/auth/mint-rate';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import { type HeldIndex, startHeldIndex } from '../doors/helpers/held-index';
import { pluginRegistryClient } from '../doors/helpers/plugin-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

type Callback = (error: grpc.ServiceError | null, response: unknown) => void;
type Client = grpc.Client & { DiscoverPlugins(request: unknown, metadata: grpc.Metadata, callback: Callback): grpc.ClientUnaryCall };

const TWO_THEN_REFUSE = { perMinute: 1, burst: 2 };

describe('an IPv6 client is counted by its /64', () => {
  let index: HeldIndex;
  let t: TestGateway;
  let registry: RunningPluginRegistry;
  let client: Client;

  before(async () => {
    index = await startHeldIndex();
    index.holding = false;
    t = await startTestGateway({ index: index.url, auth: {}, limits: { token: { perIp: TWO_THEN_REFUSE }, listings: { perIp: TWO_THEN_REFUSE, concurrentPerIp: 0 } } });
    registry = await startPluginRegistry({ context: t.gateway.gateway.context, port: 0 });
    client = pluginRegistryClient<Client>(registry.address);
  });
  after(async () => {
    client?.close();
    await registry?.close();
    await t?.close();
    await index?.close();
  });

  const from = (path: string, address: string) => fetch(`${t.url}${path}`, { headers: { 'x-forwarded-for': address } });
  const token = (address: string) => from('/token?scope=repository:acme/web:pull', address);

  test('/token: two addresses of one /64, in any spelling, share one allowance; the next /64 has its own', async () => {
    assert.equal((await token('2001:db8:1:2::a')).status, 200);
    assert.equal((await token('2001:DB8:1:2:0:0:0:B')).status, 200);
    const refused = await token('2001:db8:1:2:ffff:ffff:ffff:ffff');
    assert.equal(refused.status, 429, 'a third address in the /64 got an allowance of its own');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.match(await refused.text(), /too many token requests from 2001:db8:1:2::\/64: at most 1 a minute \(bursts of 2\)/);
    assert.equal((await token('2001:db8:1:3::a')).status, 200, 'the next /64 is another client');
  });

  test('/token: an IPv4 client is the same client when a dual-stack proxy names it as ::ffff:a.b.c.d', async () => {
    assert.equal((await token('203.0.113.9')).status, 200);
    assert.equal((await token('::ffff:203.0.113.9')).status, 200);
    assert.equal((await token('::ffff:cb00:7109')).status, 429);
    assert.equal((await token('203.0.113.10')).status, 200, 'IPv4 clients are not grouped');
  });

  test('listings: HTTP and gRPC calls from one /64 share one allowance', async () => {
    assert.equal((await from('/api/search?q=sensor', '2001:db8:5:6::1')).status, 200);
    assert.equal((await from('/api/packages', '2001:db8:5:6::2')).status, 200);
    const http = await from('/firmware', '2001:db8:5:6:1:2:3:4');
    assert.equal(http.status, 429);
    assert.match(await http.text(), /too many listings and searches from 2001:db8:5:6::\/64/);

    const metadata = new grpc.Metadata();
    metadata.set('x-forwarded-for', '2001:db8:5:6::99');
    const refused = await new Promise<grpc.ServiceError | null>((resolve) => client.DiscoverPlugins({}, metadata, (error) => resolve(error)));
    assert.equal(refused?.code, grpc.status.RESOURCE_EXHAUSTED, `DiscoverPlugins from another address of the /64: ${refused && grpc.status[refused.code]} ${refused?.details}`);
    assert.match(refused.details, /too many listings and searches from 2001:db8:5:6::\/64/);
    assert.equal((await from('/api/packages', '2001:db8:5:7::1')).status, 200, 'the next /64 is another client');
  });

  test('API token mints: counted by the minting client\'s /64', () => {
    const mints = new MintRate({ perMinute: 1, burst: 2 });
    const request = (ip: string) => ({ ip, socket: {} }) as Request;
    assert.equal(mints.take(request('2001:db8:9:9::1')), undefined);
    assert.equal(mints.take(request('2001:db8:9:9::2')), undefined);
    assert.match(mints.take(request('2001:db8:9:9:abcd::3'))?.message ?? 'allowed', /too many API tokens minted from 2001:db8:9:9::\/64/);
    assert.equal(mints.take(request('2001:db8:9:a::1')), undefined);
  });
});
