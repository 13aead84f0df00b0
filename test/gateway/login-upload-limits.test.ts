// An artifact door's upload sent with a login token (`Basic <address>:hcr1.…` as docker sends it,
// or `Bearer hcr1.…`) counts against the login's account, as one with an API token does: one
// account publishing from many client addresses gets its own bound on uploads at once, not a
// fresh allowance per address. The limiter only verifies the login: on a gateway that takes each
// login token once, the upload with it still goes through. A login whose signature is not the
// account's counts by address only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createLoginToken } from '../../src/gateway';
import { startSlowPackagePublish } from '../doors/helpers/slow-publish';
import { loginHeader } from '../doors/helpers/tokens';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('upload limits for a login token at the doors', () => {
  let t: TestGateway;
  const publish = async (authorization: string, forwardedFor: string, version: string) => {
    const body = new FormData();
    body.append('metadata', JSON.stringify({ name: 'acme/other', version }));
    body.append('tarball', new Blob([randomBytes(10)]), 'other.tgz');
    const response = await fetch(`${t.url}/api/packages/publish`, { method: 'POST', body, headers: { authorization, 'x-forwarded-for': forwardedFor } });
    return { status: response.status, body: await response.text() };
  };
  const inFlight = async (count: number) => {
    const deadline = Date.now() + 10_000;
    while (!new RegExp(`^hcr_gateway_upload_requests_in_flight ${count}$`, 'm').test(await (await fetch(`${t.url}/metrics`)).text())) {
      assert.ok(Date.now() < deadline, `the gateway never held ${count} uploads`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  before(async () => {
    // Loopback is a trusted proxy by default, so X-Forwarded-For names the client.
    t = await startTestGateway({
      auth: { enabled: true, loginTokenReuse: 'once' },
      artifacts: { defaultSpace: 'acme', indexWaitMs: 0 },
      limits: { uploads: { perIp: { perMinute: 600, burst: 100 }, concurrentPerAccount: 1 } },
    });
  });
  after(async () => {
    await t?.close();
  });

  test('a second upload by the same login account from another address gets 429 naming the account; other accounts are not refused; the single-use login is not used up', async () => {
    const { alice, bob } = t.keys;
    const service = t.gateway.service;
    const held = await loginHeader(alice, service);
    const first = startSlowPackagePublish(t.url, { authorization: held, 'x-forwarded-for': '203.0.113.1' });
    let finished = false;
    try {
      await inFlight(1);
      // Another login of the same account (as a bearer token), from another client address.
      const second = await publish(`Bearer ${await createLoginToken(alice, service, { ttlSeconds: 600 })}`, '198.51.100.2', '1.0.0');
      assert.equal(second.status, 429, second.body);
      assert.equal(JSON.parse(second.body).error.code, 'TOO_MANY_REQUESTS');
      assert.match(JSON.parse(second.body).error.message, new RegExp(`^${alice.address} already sends 1 uploads at once, the most allowed`));
      // Another account's upload is not refused for alice's (its answer is its own matter: bob does not own acme).
      const other = await publish(await loginHeader(bob, service), '192.0.2.3', '1.0.1');
      assert.notEqual(other.status, 429, other.body);
      assert.doesNotMatch(other.body, /uploads at once/);
      // A login naming alice but not signed by her key counts by its address only, and is refused for itself.
      const forged = (await createLoginToken(bob, service, { ttlSeconds: 600 })).split('.');
      const aliceMessage = (await createLoginToken(alice, service, { ttlSeconds: 600 })).split('.')[1];
      const bad = await publish(`Bearer ${forged[0]}.${aliceMessage}.${forged[2]}`, '192.0.2.4', '1.0.2');
      assert.equal(bad.status, 401, bad.body);
      // The held upload, whose single-use login the limiter verified but did not use, is published.
      const answer = await first.finish();
      finished = true;
      assert.equal(answer.status, 201, await answer.text());
    } finally {
      if (!finished) await (await first.finish()).text();
    }
    // The gateway does take each login once: the same token again is refused, for itself, not the limit.
    const replay = await publish(held, '203.0.113.1', '1.0.3');
    assert.equal(replay.status, 401, replay.body);
    assert.match(replay.body, /already used/);
  });
});
