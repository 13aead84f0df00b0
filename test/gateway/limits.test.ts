// Rate limits and the bound on concurrent uploads: /token per IP (through trusted proxies only)
// and per account, uploads per account and at once, manifest pushes per account, and the wallet
// API; each refusal is a 429 with Retry-After and a message naming the limit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { u8aToHex } from '@polkadot/util';
import { encodeAddress } from '@polkadot/util-crypto';
import { createLoginToken } from '../../src/gateway';
import { startWalletApiServer } from '../../src/wallet-api';
import { RateLimiter } from '../../src/limits/rate-limiter';
import { json, makeImage, OCI_MANIFEST, ociErrors, pushBlob, pushImage, pushManifest, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

describe('rate limits', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  it('refills a bucket at its rate after a burst, and says how long to wait', () => {
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 60, burst: 2 }, { now: () => now });
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, true);
    assert.deepEqual(limiter.take('a'), { allowed: false, retryAfterSeconds: 1 });
    assert.equal(limiter.take('b').allowed, true, 'each key has its own bucket');
    now += 1000;
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(new RateLimiter({ perMinute: 0 }).take('a').allowed, true, '0 turns the limit off');
  });

  it('limits /token per client IP with 429 TOOMANYREQUESTS and Retry-After, per forwarded address only from a trusted proxy', async () => {
    const limits = { token: { perIp: { perMinute: 6, burst: 2 } } };
    const trusting = await t.startReplica({ limits, auth: {} });
    const from = (ip: string) => fetch(`${trusting.url}/token?scope=repository:acme/web:pull`, { headers: { 'X-Forwarded-For': ip } });
    assert.equal((await from('203.0.113.7')).status, 200);
    assert.equal((await from('203.0.113.7')).status, 200);
    const refused = await from('203.0.113.7');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '10');
    const [error] = await ociErrors(refused);
    assert.equal(error.code, 'TOOMANYREQUESTS');
    assert.match(error.message, /too many token requests from 203\.0\.113\.7: at most 6 a minute \(bursts of 2\); retry in 10 s/);
    assert.equal((await from('203.0.113.8')).status, 200, 'another client behind the same (loopback) proxy has its own bucket');

    // A gateway that trusts no proxy keys on the peer address, whatever the header says.
    const untrusting = await t.startReplica({ limits, auth: {}, trustProxy: false });
    const statuses = [];
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      statuses.push((await fetch(`${untrusting.url}/token`, { headers: { 'X-Forwarded-For': ip } })).status);
    }
    assert.deepEqual(statuses, [200, 200, 429]);
  });

  it('limits tokens issued per account, without letting failed logins that name the account use its allowance', async () => {
    const replica = await t.startReplica({ limits: { token: { perAccount: { perMinute: 1, burst: 1 } } }, auth: {} });
    const alice = t.keys.alice.address;
    for (let i = 0; i < 3; i++) {
      const bad = await fetch(`${replica.url}/token`, { headers: { Authorization: basic(alice, 'not-a-login-token') } });
      assert.equal(bad.status, 401);
    }
    const login = await createLoginToken(t.keys.alice, replica.service);
    assert.equal((await fetch(`${replica.url}/token`, { headers: { Authorization: basic(alice, login) } })).status, 200);
    const again = await fetch(`${replica.url}/token`, { headers: { Authorization: basic(alice, login) } });
    assert.equal(again.status, 429);
    assert.match((await ociErrors(again))[0].message, new RegExp(`too many tokens issued to ${alice}: at most 1 a minute`));
    // Another spelling of the same account (another SS58 prefix, the public key) has no allowance of its own.
    for (const spelling of [encodeAddress(t.keys.alice.publicKey, 0), u8aToHex(t.keys.alice.publicKey)]) {
      const respelled = await fetch(`${replica.url}/token`, { headers: { Authorization: basic(spelling, login) } });
      assert.equal(respelled.status, 429, `${spelling}: ${await respelled.clone().text()}`);
      await respelled.arrayBuffer();
    }
    const bobLogin = await createLoginToken(t.keys.bob, replica.service);
    assert.equal((await fetch(`${replica.url}/token`, { headers: { Authorization: basic(t.keys.bob.address, bobLogin) } })).status, 200);
  });

  it('limits upload requests per account', async () => {
    const replica = await t.startReplica({ limits: { uploads: { perAccount: { perMinute: 2, burst: 2 } } }, auth: {}, gatewaySigner: t.keys.gateway });
    const login = await createLoginToken(t.keys.alice, replica.service);
    const tokenResponse = await fetch(`${replica.url}/token?scope=repository:acme/limited:pull,push`, { headers: { Authorization: basic(t.keys.alice.address, login) } });
    const { token } = await json(tokenResponse);
    assert.equal((await pushBlob(replica.url, 'acme/limited', randomBlob(100), token)).status, 201);
    assert.equal((await pushBlob(replica.url, 'acme/limited', randomBlob(100), token)).status, 201);
    const refused = await pushBlob(replica.url, 'acme/limited', randomBlob(100), token);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '30');
    assert.match((await ociErrors(refused))[0].message, new RegExp(`too many upload requests by ${t.keys.alice.address}`));
  });

  it('limits manifest pushes per account, each a chain transaction the gateway pays for', async () => {
    const replica = await t.startReplica({ limits: { pushes: { perAccount: { perMinute: 2, burst: 2 } } }, auth: {}, gatewaySigner: t.keys.gateway });
    const login = await createLoginToken(t.keys.alice, replica.service);
    const tokenResponse = await fetch(`${replica.url}/token?scope=repository:acme/pushes:pull,push`, { headers: { Authorization: basic(t.keys.alice.address, login) } });
    const { token } = await json(tokenResponse);
    const image = makeImage([randomBlob(100)]);
    assert.equal((await pushImage(replica.url, 'acme/pushes', 'a', image, token)).status, 201);
    assert.equal((await pushManifest(replica.url, 'acme/pushes', 'b', image.manifest, OCI_MANIFEST, token)).status, 201);
    const refused = await pushManifest(replica.url, 'acme/pushes', 'c', image.manifest, OCI_MANIFEST, token);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '30');
    assert.match((await ociErrors(refused))[0].message, new RegExp(`too many manifest pushes by ${t.keys.alice.address} \\(each a chain transaction the gateway pays for\\): at most 2 a minute`));
    // Pulls and blob uploads are not counted against it.
    assert.equal((await fetch(`${replica.url}/v2/acme/pushes/manifests/a`, { headers: { Authorization: `Bearer ${token}`, Accept: OCI_MANIFEST } })).status, 200);
    assert.equal((await pushBlob(replica.url, 'acme/pushes', randomBlob(100), token)).status, 201);
  });

  it('bounds the uploads one client sends at once, and takes the next once one ends', async () => {
    const replica = await t.startReplica({ limits: { uploads: { concurrentPerAccount: 1 } }, gatewaySigner: t.keys.gateway });
    const started = await fetch(`${replica.url}/v2/acme/concurrent/blobs/uploads/`, { method: 'POST' });
    assert.equal(started.status, 202);
    const location = started.headers.get('location')!;
    // A chunk that is still arriving holds the one allowed upload.
    const { port } = new URL(replica.url);
    const slow = request({ host: '127.0.0.1', port, method: 'PATCH', path: location, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': '10' } });
    const slowAnswer = new Promise<number>((resolve, reject) => {
      slow.on('response', (response) => {
        response.resume();
        resolve(response.statusCode!);
      });
      slow.on('error', reject);
    });
    slow.write(Buffer.alloc(5));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await pushBlob(replica.url, 'acme/concurrent', randomBlob(100));
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.match((await ociErrors(refused))[0].message, /already sends 1 uploads at once, the most allowed: retry once one of them ends/);
    slow.end(Buffer.alloc(5));
    assert.equal(await slowAnswer, 202);
    assert.equal((await pushBlob(replica.url, 'acme/concurrent', randomBlob(100))).status, 201);
  });

  it('limits the wallet API per IP with 429 RATE_LIMITED and Retry-After', async () => {
    const server = await startWalletApiServer({ api: t.chain.api, port: 0, page: false, gatewayAddress: t.keys.gateway.address, rateLimits: { perIp: { perMinute: 2, burst: 2 } } });
    try {
      assert.equal((await fetch(`${server.url}/api/config`)).status, 200);
      assert.equal((await fetch(`${server.url}/api/config`)).status, 200);
      const refused = await fetch(`${server.url}/api/config`);
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '30');
      const body = await json(refused);
      assert.equal(body.error.code, 'RATE_LIMITED');
      assert.match(body.error.message, /too many wallet API requests from .*: at most 2 a minute/);
    } finally {
      await server.close();
    }
  });

  it('limits the wallet API per account named in a request', async () => {
    const server = await startWalletApiServer({ api: t.chain.api, port: 0, page: false, gatewayAddress: t.keys.gateway.address, rateLimits: { perAccount: { perMinute: 1, burst: 1 } } });
    try {
      const account = (address: string) => fetch(`${server.url}/api/accounts/${address}`);
      assert.equal((await account(t.keys.alice.address)).status, 200);
      const refused = await account(t.keys.alice.address);
      assert.equal(refused.status, 429);
      assert.match((await json(refused)).error.message, new RegExp(`too many wallet API requests for ${t.keys.alice.address}`));
      assert.equal((await account(t.keys.bob.address)).status, 200);
    } finally {
      await server.close();
    }
  });
});
