// RegisterPlugin is an upload, so the gRPC plugin door is held to the gateway's upload limits like
// the HTTP doors, and sharing them: the token is checked before the message is read (a caller
// without the publish scope cannot make the server hold a plugin's bytes), one account's uploads
// at once are counted across doors, and the per-IP allowance is one for gRPC and HTTP together,
// by the client's address behind a trusted proxy as on HTTP.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { startSlowPackagePublish } from './helpers/slow-publish';
import { mintToken } from './helpers/tokens';
import { pluginRegistryClient } from './helpers/plugin-client';

type Client = grpc.Client & Record<string, (request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: any) => void) => grpc.ClientUnaryCall>;

const MAX_MESSAGE_BYTES = 64 * 1024;

function registerPlugin(client: Client, request: unknown, token?: string, forwardedFor?: string): Promise<unknown> {
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  if (forwardedFor) metadata.set('x-forwarded-for', forwardedFor);
  return new Promise((resolve, reject) => client.RegisterPlugin(request, metadata, (error, response) => (error ? reject(error) : resolve(response))));
}

async function refused(work: Promise<unknown>, code: grpc.status, message: RegExp): Promise<grpc.ServiceError> {
  let caught: grpc.ServiceError | undefined;
  await assert.rejects(work, (error: grpc.ServiceError) => {
    assert.equal(error.code, code, `${grpc.status[error.code]}: ${error.details}`);
    assert.match(error.details, message);
    caught = error;
    return true;
  });
  return caught!;
}

const dataUrl = (bytes: number) => `data:application/octet-stream;base64,${randomBytes(bytes).toString('base64')}`;

describe('upload limits on the gRPC plugin door', () => {
  let t: TestGateway;
  let registry: RunningPluginRegistry;
  let client: Client;
  let publish: string;
  let read: string;

  before(async () => {
    t = await startTestGateway({
      auth: { enabled: true },
      artifacts: { defaultSpace: 'acme', indexWaitMs: 0 },
      limits: { uploads: { perIp: { perMinute: 1, burst: 8 }, concurrentPerAccount: 1 } },
    });
    registry = await startPluginRegistry({ context: t.gateway.gateway.context, port: 0, maxMessageBytes: MAX_MESSAGE_BYTES });
    client = pluginRegistryClient<Client>(registry.address);
    publish = (await mintToken(t.url, t.gateway.service, t.keys.alice, ['publish'], 'ci')).token;
    read = (await mintToken(t.url, t.gateway.service, t.keys.alice, ['read'], 'reader')).token;
  });
  after(async () => {
    client?.close();
    await registry?.close();
    await t?.close();
  });

  test('the token is checked before the message is read', async () => {
    // The message is larger than the server reads: had it been read first, the answer would be
    // RESOURCE_EXHAUSTED for its size, not the missing or insufficient token.
    const oversized = { name: 'big', version: '1.0.0', plugin: dataUrl(MAX_MESSAGE_BYTES * 2) };
    await refused(registerPlugin(client, oversized), grpc.status.UNAUTHENTICATED, /publishing needs a token/);
    await refused(registerPlugin(client, oversized, read), grpc.status.PERMISSION_DENIED, /scope read, which does not publish/);
    // With the publish scope the message is read, and its size refused by the server.
    await refused(registerPlugin(client, oversized, publish), grpc.status.RESOURCE_EXHAUSTED, /larger than max/);
  });

  test('an account\'s uploads at once are counted across doors, and the per-IP allowance is shared with HTTP', async () => {
    // A package publish by the same account whose body is still arriving holds its one upload slot.
    const first = startSlowPackagePublish(t.url, { authorization: `Bearer ${publish}` });
    try {
      // Wait until the gateway holds the slow upload (its metrics count it), without spending
      // this address's upload allowance on attempts that could pass before it arrives.
      const deadline = Date.now() + 10_000;
      while (!/^hcr_gateway_upload_requests_in_flight 1$/m.test(await (await fetch(`${t.url}/metrics`)).text())) {
        assert.ok(Date.now() < deadline, 'the slow package upload never reached the gateway');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const error = await registerPlugin(client, { name: 'tiny', version: '1.0.0', plugin: dataUrl(10) }, publish).then(
        () => undefined,
        (e: grpc.ServiceError) => e,
      );
      assert.ok(error, 'RegisterPlugin passed while the account had an upload open');
      assert.equal(error.code, grpc.status.RESOURCE_EXHAUSTED, `${grpc.status[error.code]}: ${error.details}`);
      assert.match(error.details, /already sends 1 uploads at once, the most allowed: retry once one of them ends/);
      assert.equal(error.metadata.get('retry-after')[0], '1');
    } finally {
      await (await first.finish()).text();
    }
    // Spend what is left of this address's burst of 8 (the test before took three, the package
    // and the plugins some more): then the next upload from either door is refused by that limit.
    let limited: grpc.ServiceError | undefined;
    for (let i = 0; i < 8 && !limited; i++) {
      limited = await registerPlugin(client, { name: 'tiny', version: `2.0.${i}`, plugin: dataUrl(10) }, publish).then(
        () => undefined,
        (e: grpc.ServiceError) => (e.code === grpc.status.RESOURCE_EXHAUSTED && /too many upload requests/.test(e.details) ? e : undefined),
      );
    }
    assert.ok(limited, 'the per-IP upload limit never refused RegisterPlugin');
    assert.match(limited.details, /too many upload requests from 127\.0\.0\.1: at most 1 a minute \(bursts of 8\); retry in \d+ s/);
    assert.ok(Number(limited.metadata.get('retry-after')[0]) > 0);
    const http = await fetch(`${t.url}/firmware`, { method: 'POST', headers: { authorization: `Bearer ${publish}` }, body: new FormData() });
    assert.equal(http.status, 429, await http.text());
  });

  test('behind a trusted proxy each client it forwards for has its own allowance, and an address forged before it is not believed', async () => {
    const plugin = { name: 'tiny', version: '3.0.0', plugin: dataUrl(10) };
    // The test runs on loopback, a trusted proxy by default (gateway.trustProxy), and the test
    // before spent 127.0.0.1's allowance. A call without a token that passes the per-IP check is
    // refused for the token; one that does not is refused for the rate.
    await refused(registerPlugin(client, plugin), grpc.status.RESOURCE_EXHAUSTED, /too many upload requests from 127\.0\.0\.1/);
    for (let i = 0; i < 8; i++) await refused(registerPlugin(client, plugin, undefined, '203.0.113.7'), grpc.status.UNAUTHENTICATED, /publishing needs a token/);
    await refused(registerPlugin(client, plugin, undefined, '203.0.113.7'), grpc.status.RESOURCE_EXHAUSTED, /too many upload requests from 203\.0\.113\.7/);
    // What the client itself wrote to the left of what the proxy saw does not get it a new allowance.
    await refused(registerPlugin(client, plugin, undefined, '198.51.100.9, 203.0.113.7'), grpc.status.RESOURCE_EXHAUSTED, /too many upload requests from 203\.0\.113\.7/);
    await refused(registerPlugin(client, plugin, undefined, '203.0.113.8'), grpc.status.UNAUTHENTICATED, /publishing needs a token/);
  });
});
