// Made-up login tokens sent to the doors and the API token routes: each costs a signature check,
// so a client whose tokens failed too often is refused (429, Retry-After) before its next one is
// checked, at every door and route alike, while other clients and tokens that merely expired are
// not affected (auth/login-failures.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createLoginToken } from '../../src/gateway';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import { pluginRegistryClient } from './helpers/plugin-client';
import { basicCredentials } from '../../src/gateway/auth/token-service';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';

/** Three bad signatures at once, then one a minute. */
const LIMIT = { perMinute: 1, burst: 3 };

describe('login tokens with bad signatures, per client', () => {
  let t: TestGateway;
  let registry: RunningPluginRegistry;
  let plugins: grpc.Client & Record<string, (request: unknown, metadata: grpc.Metadata, done: (error: grpc.ServiceError | null) => void) => void>;

  before(async () => {
    t = await startTestGateway({ auth: { enabled: true }, artifacts: { defaultSpace: 'acme' }, limits: { badLogins: { perIp: LIMIT } } });
    registry = await startPluginRegistry({ context: t.gateway.gateway.context, port: 0 });
    plugins = pluginRegistryClient(registry.address);
  });
  after(async () => {
    plugins?.close();
    await registry?.close();
    await t?.close();
  });

  /** A GetPlugin call with `token`, from the client the trusted proxy names: its error, undefined when answered. */
  function getPlugin(token: string, from: string): Promise<grpc.ServiceError | undefined> {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    metadata.set('x-forwarded-for', from);
    return new Promise((resolve) => plugins.GetPlugin({ name: 'tools/lint', version: '1.0.0' }, metadata, (error) => resolve(error ?? undefined)));
  }

  /** Alice's login token with its signature replaced by 64 other bytes: well formed, for this gateway, signed by no one. */
  async function forged(): Promise<string> {
    const [prefix, message] = (await createLoginToken(t.keys.alice, t.gateway.service)).split('.');
    return `${prefix}.${message}.${Buffer.alloc(64, 7).toString('base64url')}`;
  }

  /** A door read (the firmware listing) with `token`, from the client the trusted proxy (loopback) names. */
  const firmware = async (token: string, from: string) => fetch(`${t.url}/firmware`, { headers: { authorization: basicCredentials(t.keys.alice.address, token), 'x-forwarded-for': from } });

  test('refuses a client past its bad signatures before checking more, at the doors and /api/tokens, and no one else', async () => {
    const from = '203.0.113.7';
    for (let i = 0; i < LIMIT.burst; i++) {
      const refused = await firmware(await forged(), from);
      assert.equal(refused.status, 401);
      assert.match(await refused.text(), /signature is not/);
    }
    const tooMany = await firmware(await forged(), from);
    assert.equal(tooMany.status, 429);
    assert.ok(Number(tooMany.headers.get('retry-after')) >= 1, `Retry-After: ${tooMany.headers.get('retry-after')}`);
    assert.match(await tooMany.text(), /too many login tokens with bad signatures from 203\.0\.113\.7: at most 1 a minute \(bursts of 3\); retry in \d+ s: a login token must be signed by its account's key \(`hcr login`\); behind a reverse proxy, list it in gateway\.trustProxy/);
    // Not checked at all meanwhile, a good one included: the client's address is what is refused.
    const good = await createLoginToken(t.keys.alice, t.gateway.service);
    assert.equal((await firmware(good, from)).status, 429);
    const packages = await fetch(`${t.url}/api/packages/anything`, { headers: { authorization: `Bearer ${await forged()}`, 'x-forwarded-for': from } });
    assert.equal(packages.status, 429, await packages.text());
    const mint = await fetch(`${t.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicCredentials(t.keys.alice.address, good), 'x-forwarded-for': from }, body: JSON.stringify({ name: 'x', scopes: ['read'] }) });
    assert.equal(mint.status, 429, await mint.text());
    assert.ok(mint.headers.get('retry-after'));
    const grpcRefusal = await getPlugin(await forged(), from);
    assert.equal(grpcRefusal?.code, grpc.status.RESOURCE_EXHAUSTED, grpcRefusal?.details);
    assert.match(grpcRefusal?.details ?? '', /too many login tokens with bad signatures from 203\.0\.113\.7/);

    // Another client is unaffected, its good login accepted.
    const other = await firmware(good, '198.51.100.9');
    assert.notEqual(other.status, 429);
    assert.notEqual(other.status, 401, await other.clone().text());
    const otherCall = await getPlugin(good, '198.51.100.9');
    assert.notEqual(otherCall?.code, grpc.status.RESOURCE_EXHAUSTED, otherCall?.details);
    assert.notEqual(otherCall?.code, grpc.status.UNAUTHENTICATED, otherCall?.details);
  });

  test('does not count tokens that are merely expired or for another gateway', async () => {
    const from = '192.0.2.44';
    const expired = await createLoginToken(t.keys.alice, t.gateway.service, { ttlSeconds: 60, now: new Date(Date.now() - 3600_000) });
    const elsewhere = await createLoginToken(t.keys.alice, 'registry.example.org');
    for (let i = 0; i < LIMIT.burst + 2; i++) {
      for (const token of [expired, elsewhere]) {
        const refused = await firmware(token, from);
        assert.equal(refused.status, 401, `attempt ${i}: ${await refused.clone().text()}`);
      }
    }
    const good = await firmware(await createLoginToken(t.keys.alice, t.gateway.service), from);
    assert.notEqual(good.status, 401);
    assert.notEqual(good.status, 429);
  });
});
