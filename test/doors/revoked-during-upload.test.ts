// A publish at an artifact door is authorized as its upload begins and recorded once its last byte
// is in: minutes or hours later for a large file, or for ever later for a client that trickles a
// byte a minute (the body-idle bound only wants one now and then). A token revoked meanwhile (a
// leaked CI secret, or a login logged out) must publish nothing, as a manifest PUT on the OCI API,
// checked as it is recorded, would not. A credential that merely expired meanwhile (the ten-minute
// login `hcr artifact` signs, sending a large file) still publishes what it began, and the check
// does not spend a login a gateway takes once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLoginToken } from '../../src/gateway';
import { basicCredentials } from '../../src/gateway/auth/token-service';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { countPushChecks, heldRequest } from '../gateway/helpers/held-request';
import { loginHeader, mintToken } from './helpers/tokens';

const DOORS = { packages: { path: '/api/packages/publish', part: 'tarball' }, firmware: { path: '/firmware', part: 'firmware' } } as const;

/** A publish at a door whose file part stops after its headers until finish(). */
function startHeldPublish(url: string, authorization: string, name: string, version: string, door: keyof typeof DOORS = 'packages'): { finish(): Promise<Response> } {
  const { path, part } = DOORS[door];
  const encoder = new TextEncoder();
  const boundary = 'hcrboundary';
  const head = encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${JSON.stringify({ name, version })}\r\n--${boundary}\r\nContent-Disposition: form-data; name="${part}"; filename="p.bin"\r\n\r\n`);
  const rest = encoder.encode(`the rest of the package\r\n--${boundary}--\r\n`);
  return heldRequest(`${url}${path}`, { method: 'POST', headers: { authorization, 'content-type': `multipart/form-data; boundary=${boundary}` } }, head, rest);
}

describe('a credential revoked while its upload is in flight', () => {
  let t: TestGateway;
  let checks: ReturnType<typeof countPushChecks>;
  const publishedDigest = async (image: string, version: string) => (await t.gateway.gateway.context.chain.tagWithClaim({ full: `acme/${image}`, repo: 'acme', image }, version)).digest;

  before(async () => {
    t = await startTestGateway({ auth: { enabled: true, loginTokenReuse: 'once' }, artifacts: { defaultSpace: 'acme', indexWaitMs: 0 } });
    checks = countPushChecks(t);
  });
  after(async () => {
    await t?.close();
  });

  test('an API token revoked before the last byte arrives publishes nothing, and says it was revoked', async () => {
    const { id, token } = await mintToken(t.url, t.gateway.service, t.keys.alice, ['publish'], 'leaked-ci');
    const before = checks.count();
    const publish = startHeldPublish(t.url, `Bearer ${token}`, 'acme/held-token', '1.0.0');
    await checks.grownFrom(before, 'publish');
    const revoked = await fetch(`${t.url}/api/tokens/${id}`, { method: 'DELETE', headers: { authorization: await loginHeader(t.keys.alice, t.gateway.service) } });
    assert.equal(revoked.status, 200);
    const answer = await publish.finish();
    const text = await answer.text();
    assert.equal(answer.status, 401, `the publish went through: ${text}`);
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'UNAUTHORIZED');
    assert.match(body.error.message, /^nothing was published: .*"leaked-ci" was revoked at/);
    assert.equal(await publishedDigest('held-token', '1.0.0'), undefined);
  });

  test('the same at the firmware door', async () => {
    const { id, token } = await mintToken(t.url, t.gateway.service, t.keys.alice, ['publish'], 'leaked-device');
    const before = checks.count();
    const publish = startHeldPublish(t.url, `Bearer ${token}`, 'acme/held-firmware', '1.0.0', 'firmware');
    await checks.grownFrom(before, 'publish');
    assert.equal((await fetch(`${t.url}/api/tokens/${id}`, { method: 'DELETE', headers: { authorization: await loginHeader(t.keys.alice, t.gateway.service) } })).status, 200);
    const answer = await publish.finish();
    const text = await answer.text();
    assert.equal(answer.status, 401, `the publish went through: ${text}`);
    assert.match(text, /nothing was published: .*"leaked-device" was revoked at/);
    assert.equal(await publishedDigest('held-firmware', '1.0.0'), undefined);
  });

  test('a login logged out before the last byte arrives publishes nothing', async () => {
    const login = await loginHeader(t.keys.alice, t.gateway.service);
    const before = checks.count();
    const publish = startHeldPublish(t.url, login, 'acme/held-login', '1.0.0');
    await checks.grownFrom(before, 'publish');
    assert.equal((await fetch(`${t.url}/token/revoke`, { method: 'POST', headers: { authorization: login } })).status, 204);
    const answer = await publish.finish();
    const text = await answer.text();
    assert.equal(answer.status, 401, `the publish went through: ${text}`);
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'UNAUTHORIZED');
    assert.match(body.error.message, /^nothing was published: .*login token was revoked \(logged out\)/);
    assert.equal(await publishedDigest('held-login', '1.0.0'), undefined);
  });

  test('a login that only expired before the last byte arrives still publishes, on a gateway taking each login once', async () => {
    const login = basicCredentials(t.keys.alice.address, await createLoginToken(t.keys.alice, t.gateway.service, { ttlSeconds: 2 }));
    const before = checks.count();
    const publish = startHeldPublish(t.url, login, 'acme/held-expiring', '1.0.0');
    await checks.grownFrom(before, 'publish');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const answer = await publish.finish();
    assert.equal(answer.status, 201, await answer.clone().text());
    assert.match(String(await publishedDigest('held-expiring', '1.0.0')), /^sha256:/);
  });
});
