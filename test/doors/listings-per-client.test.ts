// The doors' listings and searches (GET /firmware, GET /api/packages, GET /api/packages/{name},
// GET /api/search, and DiscoverPlugins over gRPC) each ask the index for up to thousands of rows,
// and anyone may send them: one client sending many side by side kept the index and the gateway
// busy for everyone. They now count against one allowance per client IP, shared by every door: a
// bound on those in progress at once and a rate, each answered 429 with Retry-After (gRPC:
// RESOURCE_EXHAUSTED with retry-after) naming the setting that raises it. The index here holds
// every listing's query until the test lets it go, as a slow index would.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { type HeldIndex, startHeldIndex } from './helpers/held-index';
import { pluginRegistryClient } from './helpers/plugin-client';

type Callback = (error: grpc.ServiceError | null, response: unknown) => void;
type Client = grpc.Client & { DiscoverPlugins(request: unknown, metadata: grpc.Metadata, callback: Callback): grpc.ClientUnaryCall };

const LIMITS = { perIp: { perMinute: 1, burst: 20 }, concurrentPerIp: 2 };
const IN_PROGRESS = /127\.0\.0\.1 already has 2 listings or searches in progress, the most one client may have at once: wait for an answer before asking for the next \(retry in 1 s\); gateway\.limits\.listings\.concurrentPerIp in the configuration file raises it \(behind a reverse proxy, list it in gateway\.trustProxy/;

describe('listings and searches from one client', () => {
  let index: HeldIndex;
  let t: TestGateway;
  let registry: RunningPluginRegistry;
  let client: Client;

  before(async () => {
    index = await startHeldIndex();
    t = await startTestGateway({ index: index.url, artifacts: { defaultSpace: 'acme' }, limits: { listings: LIMITS } });
    registry = await startPluginRegistry({ context: t.gateway.gateway.context, port: 0 });
    client = pluginRegistryClient<Client>(registry.address);
  });
  after(async () => {
    client?.close();
    await registry?.close();
    await t?.close();
    await index?.close();
  });

  /** An HTTP listing, from `from` as the trusted proxy (loopback, by default) names it. */
  const list = (path: string, from?: string, signal?: AbortSignal) => fetch(`${t.url}${path}`, { headers: from ? { 'x-forwarded-for': from } : {}, signal });

  /** A DiscoverPlugins call; `done` is its error, undefined when it was answered. */
  function discover(request: Record<string, string> = {}, from?: string): { call: grpc.ClientUnaryCall; done: Promise<grpc.ServiceError | undefined> } {
    const metadata = new grpc.Metadata();
    if (from) metadata.set('x-forwarded-for', from);
    let call!: grpc.ClientUnaryCall;
    const done = new Promise<grpc.ServiceError | undefined>((resolve) => {
      call = client.DiscoverPlugins(request, metadata, (error) => resolve(error ?? undefined));
    });
    return { call, done };
  }

  /** Asks until the listing is answered 200: a place is given back once the gateway's work ended, a moment after the index answered. */
  async function answeredSoon(path: string, from: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const response = await list(path, from);
      if (response.status === 200) return;
      assert.ok(attempt < 10 && response.status === 429, `${path}: ${response.status} ${await response.text()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test('at most concurrentPerIp in progress, counted over every door; the next is refused naming the setting, and another client is answered', async () => {
    index.holding = true;
    const firmware = list('/firmware');
    const packages = list('/api/packages');
    await index.waitForPending(2);

    const info = await list('/api/packages/acme/sensor');
    assert.equal(info.status, 429);
    assert.equal(info.headers.get('retry-after'), '1');
    const error = ((await info.json()) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'TOO_MANY_REQUESTS');
    assert.match(error.message, IN_PROGRESS);
    const search = await list('/api/search?q=sensor');
    assert.equal(search.status, 429);
    assert.match(((await search.json()) as { error: { message: string } }).error.message, IN_PROGRESS);
    const listing = await list('/firmware?name=sensor');
    assert.equal(listing.status, 429);
    assert.equal(listing.headers.get('retry-after'), '1');
    assert.match(listing.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await listing.text(), IN_PROGRESS);
    const plugins = await discover().done;
    assert.equal(plugins?.code, grpc.status.RESOURCE_EXHAUSTED, `${plugins && grpc.status[plugins.code]}: ${plugins?.details}`);
    assert.match(plugins.details, IN_PROGRESS);
    assert.equal(plugins.metadata.get('retry-after')[0], '1');
    assert.equal(index.pending, 2, 'a refused listing asked the index');

    // Another client behind the trusted proxy has an allowance of its own.
    const other = list('/firmware', '203.0.113.7');
    await index.waitForPending(3);
    index.release();
    for (const answered of [await firmware, await packages, await other]) assert.equal(answered.status, 200, await answered.text());
    index.holding = false;
    await answeredSoon('/api/search?q=sensor', '127.0.0.1');
    const counted = /^hcr_gateway_rate_limited_total\{limit="listing_concurrency"\} (\d+)$/m.exec(await (await fetch(`${t.url}/metrics`)).text());
    assert.ok(Number(counted?.[1]) >= 4, `refusals counted in /metrics: ${counted?.[0]}`);
  });

  test('a listing keeps its place until its work ends, even when its client hung up; one refused before its work began gives it back', async () => {
    const client1 = '198.51.100.1';
    // Messages past the read calls' bound are refused by grpc-js before the handler runs: three of
    // them leave no place taken, else the two calls below could not both be admitted.
    for (let i = 0; i < 3; i++) assert.equal((await discover({ name: 'n'.repeat(64 * 1024) }, client1).done)?.code, grpc.status.RESOURCE_EXHAUSTED);
    index.holding = true;
    const aborted = new AbortController();
    const http = list('/firmware', client1, aborted.signal).catch((error: Error) => error);
    const grpcCall = discover({}, client1);
    await index.waitForPending(2);
    aborted.abort();
    grpcCall.call.cancel();
    assert.equal((await grpcCall.done)?.code, grpc.status.CANCELLED);
    assert.ok((await http) instanceof Error);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const refused = await list('/api/packages', client1);
    assert.equal(refused.status, 429, 'a client that hung up got its place back while the index still worked for it');
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /198\.51\.100\.1 already has 2 listings or searches in progress/);
    index.holding = false;
    index.release();
    await answeredSoon('/api/packages', client1);
  });

  test('past the rate, every door refuses with Retry-After, naming gateway.limits.listings.perIp', async () => {
    index.holding = false;
    const client2 = '198.51.100.50';
    for (let i = 0; i < LIMITS.perIp.burst; i++) {
      const answered = await list(i % 2 ? '/api/search?q=sensor' : '/firmware', client2);
      assert.equal(answered.status, 200, await answered.text());
    }
    const rate = /too many listings and searches from 198\.51\.100\.50: at most 1 a minute \(bursts of 20\); retry in \d+ s; gateway\.limits\.listings\.perIp in the configuration file raises it/;
    const http = await list('/api/packages', client2);
    assert.equal(http.status, 429);
    assert.ok(Number(http.headers.get('retry-after')) >= 1, `Retry-After: ${http.headers.get('retry-after')}`);
    assert.match(((await http.json()) as { error: { message: string } }).error.message, rate);
    const plugins = await discover({}, client2).done;
    assert.equal(plugins?.code, grpc.status.RESOURCE_EXHAUSTED, plugins?.details);
    assert.match(plugins.details, rate);
    assert.ok(Number(plugins.metadata.get('retry-after')[0]) >= 1);
    // Downloads are pulls, which are not limited: only listings and searches are counted.
    assert.notEqual((await list('/firmware/sensor/1.0.0', client2)).status, 429);
    assert.equal((await list('/firmware', '198.51.100.51')).status, 200);
  });
});
