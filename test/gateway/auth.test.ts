// Who may do what: Docker's token flow with login tokens, anonymous pull, owner and member
// pushes after the owner's grant, refusals (stranger, no grant, read-only replica) and
// forged, expired, wrong-domain, replayed and revoked tokens — with nothing reaching the chain.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import jwt from 'jsonwebtoken';
import { addSpaceMember, createSpace, manifestDigest, spaceByOwner, submitTx } from '../../src/chain';
import { basicCredentials, createLoginToken, discoverTokenService, loginMessage, loginTokenFromSignature, newLoginClaims, verifyLoginToken } from '../../src/gateway';
import { makeImage, ociErrors, pushBlob, pushImage, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const SECRET = 'auth-test-secret';

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A Bearer challenge's parameters, read as RFC 7235 defines them (quoted-pairs unescaped). */
function challengeParams(header: string | null): Record<string, string> {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  assert.ok(match, `not a Bearer challenge: ${header}`);
  const param = /([A-Za-z_]+)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
  const params: Record<string, string> = {};
  while (param.lastIndex < match[1].length) {
    const at = param.lastIndex;
    const found = param.exec(match[1]);
    assert.ok(found, `not a list of quoted parameters from ${at}: ${header}`);
    assert.ok(!(found[1] in params), `${found[1]} twice in ${header}`);
    params[found[1]] = found[2].replace(/\\(.)/g, '$1');
  }
  return params;
}

/** A request with whatever Host header is given (fetch always sends the URL's). */
function requestWithHost(url: string, method: string, path: string, host: string): Promise<{ status: number; challenge: string | null }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, setHost: false, headers: { Host: host } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, challenge: typeof res.headers['www-authenticate'] === 'string' ? res.headers['www-authenticate'] : null });
    });
    req.on('error', reject);
    req.end();
  });
}

const HOSTILE_HOSTS = ['a",x="b', 'evil.example.com', 'a\\",realm="https://evil.example.com', 'x y', '127.0.0.1:1"'];

describe('auth', () => {
  let t: TestGateway;
  let service: string;

  before(async () => {
    t = await startTestGateway({ auth: { secret: SECRET } });
    service = t.gateway.service;
    const space = await spaceByOwner(t.chain.api, t.keys.alice.address);
    await submitTx(t.chain.api, addSpaceMember(t.chain.api, space!.id, t.keys.charlie.address), t.keys.alice);
    // Bob owns a space but never granted the gateway.
    await submitTx(t.chain.api, createSpace(t.chain.api, 'bobs'), t.keys.bob);
  });
  after(async () => {
    await t?.close();
  });

  async function tokenFor(scope: string, password?: string, username?: string, url = t.url): Promise<Response> {
    const headers: Record<string, string> = password === undefined ? {} : { Authorization: basic(username ?? '', password) };
    return fetch(`${url}/token?service=${encodeURIComponent(service)}&scope=${encodeURIComponent(scope)}`, { headers });
  }

  async function accessToken(pair: { address: string }, login: string, scope: string): Promise<{ token: string; access: { actions: string[] }[] }> {
    const response = await tokenFor(scope, login, pair.address);
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as { token: string };
    return { token: body.token, access: (jwt.decode(body.token) as { access: { actions: string[] }[] }).access };
  }

  const gatewayNonce = async () => (await t.chain.api.rpc.system.accountNextIndex(t.keys.gateway.address)).toNumber();

  it('gives one token for a scope asked many times, and refuses a token of more than 100 scopes, naming the limit', async () => {
    const repeated = await fetch(`${t.url}/token?service=${encodeURIComponent(service)}${'&scope=repository:acme/web:pull'.repeat(150)}`);
    assert.equal(repeated.status, 200);
    const { token } = (await repeated.json()) as { token: string };
    assert.equal((jwt.decode(token) as { access: unknown[] }).access.length, 1);
    const many = Array.from({ length: 101 }, (_, i) => `repository:acme/image-${i}:pull`).join(' ');
    const refused = await fetch(`${t.url}/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'password', service, scope: many, username: '', password: '' }) });
    assert.equal(refused.status, 400);
    assert.match((await ociErrors(refused))[0].message, /101 scopes were asked for in one token, more than the 100 a token may carry/);
  });

  it('answers GET /v2/ with a Bearer challenge naming the realm and service', async () => {
    const response = await fetch(`${t.url}/v2/`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), `Bearer realm="${t.url}/token",service="${service}"`);
    assert.equal((await ociErrors(response))[0].code, 'UNAUTHORIZED');
    const anonymous = (await (await tokenFor('repository:acme/web:pull')).json()) as { token: string };
    const ok = await fetch(`${t.url}/v2/`, { headers: { Authorization: `Bearer ${anonymous.token}` } });
    assert.equal(ok.status, 200);
  });

  it('challenges a push without a token with the push scope', async () => {
    const response = await pushBlob(t.url, 'acme/web', randomBlob(10));
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), `Bearer realm="${t.url}/token",service="${service}",scope="repository:acme/web:pull,push"`);
  });

  it('builds the challenge realm from the public URL, whatever the Host header says', async () => {
    for (const host of HOSTILE_HOSTS) {
      const base = await requestWithHost(t.url, 'GET', '/v2/', host);
      assert.equal(base.status, 401, host);
      assert.deepEqual(challengeParams(base.challenge), { realm: `${t.url}/token`, service }, host);
      const push = await requestWithHost(t.url, 'POST', '/v2/acme/web/blobs/uploads/', host);
      assert.equal(push.status, 401, host);
      assert.deepEqual(challengeParams(push.challenge), { realm: `${t.url}/token`, service, scope: 'repository:acme/web:pull,push' }, host);
    }
  });

  it('puts a configured public URL in the realm', async () => {
    const replica = await t.startReplica({ publicUrl: 'https://Registry.Example.com/', auth: { secret: SECRET, service } });
    for (const host of [new URL(replica.url).host, ...HOSTILE_HOSTS]) {
      const response = await requestWithHost(replica.url, 'GET', '/v2/', host);
      assert.equal(challengeParams(response.challenge).realm, 'https://registry.example.com/token', host);
    }
    await assert.rejects(t.startReplica({ publicUrl: 'https://registry.example.com/v2' }), /publicUrl "https:\/\/registry\.example\.com\/v2" is a URL with a path/);
    await assert.rejects(t.startReplica({ publicUrl: 'ftp://registry.example.com' }), /not an http or https URL/);
  });

  it('quotes every challenge parameter', async () => {
    const odd = 'odd",error="invalid_token\\';
    const replica = await t.startReplica({ auth: { secret: SECRET, service: odd } });
    const response = await fetch(`${replica.url}/v2/acme/web/blobs/uploads/`, { method: 'POST', headers: { Authorization: 'Bearer not.a.token' } });
    assert.equal(response.status, 401);
    const params = challengeParams(response.headers.get('www-authenticate'));
    assert.equal(params.service, odd);
    assert.equal(params.realm, `http://${odd}/token`);
    assert.equal(params.error, 'invalid_token');
    assert.equal(params.scope, 'repository:acme/web:pull,push');
    assert.doesNotMatch(params.error_description, /["\\]/);
  });

  it('tells an anonymous push to log in with hcr login, in the body and in the challenge docker shows', async () => {
    const howTo = new RegExp(`hcr login ${service.replace(/[.[\]]/g, '\\$&')} --suri <key URI> --write.*docker login`);
    // No token at all.
    const bare = await pushBlob(t.url, 'acme/web', randomBlob(10));
    assert.equal(bare.status, 401);
    const [bareError] = await ociErrors(bare);
    assert.equal(bareError.code, 'UNAUTHORIZED');
    assert.match(bareError.message, /^pushing to acme\/web needs a login: /);
    assert.match(bareError.message, howTo);
    // What docker and podman do without a login: an anonymous token for pull,push, which grants
    // pull only, then the push with it. Docker prints the challenge's error_description.
    const anonymous = (await (await tokenFor('repository:acme/web:pull,push')).json()) as { token: string };
    assert.deepEqual((jwt.decode(anonymous.token) as { access: { actions: string[] }[] }).access[0].actions, ['pull']);
    const refused = await pushBlob(t.url, 'acme/web', randomBlob(10), anonymous.token);
    assert.equal(refused.status, 401);
    const params = challengeParams(refused.headers.get('www-authenticate'));
    assert.equal(params.error, 'insufficient_scope');
    assert.match(params.error_description, /^pushing to acme\/web needs a login: /);
    assert.match(params.error_description, howTo);
    assert.match((await ociErrors(refused))[0].message, howTo);
  });

  it('lets the owner push with a login token, and anyone pull anonymously', async () => {
    const login = await createLoginToken(t.keys.alice, service);
    const { token, access } = await accessToken(t.keys.alice, login, 'repository:acme/web:pull,push');
    assert.deepEqual(access, [{ type: 'repository', name: 'acme/web', actions: ['pull', 'push'] }]);
    const image = makeImage([randomBlob(100)]);
    await pushImage(t.url, 'acme/web', 'owner', image, token);
    const pulled = await fetch(`${t.url}/v2/acme/web/manifests/owner`);
    assert.equal(pulled.status, 200);
  });

  it('lets a member push after the owner granted the gateway', async () => {
    const login = await createLoginToken(t.keys.charlie, service);
    const { token, access } = await accessToken(t.keys.charlie, login, 'repository:acme/web:pull,push');
    assert.deepEqual(access[0].actions, ['pull', 'push']);
    await pushImage(t.url, 'acme/web', 'member', makeImage([randomBlob(100)]), token);
    assert.ok(await manifestDigest(t.chain.api, { repo: 'acme', image: 'web', tag: 'member' }));
  });

  it('refuses a stranger with DENIED saying why, and nothing reaches the chain', async () => {
    const before = await gatewayNonce();
    const login = await createLoginToken(t.keys.dave, service);
    const { token, access } = await accessToken(t.keys.dave, login, 'repository:acme/web:pull,push');
    assert.deepEqual(access[0].actions, ['pull']);
    const image = makeImage([randomBlob(100)]);
    const response = await pushBlob(t.url, 'acme/web', image.config, token);
    assert.equal(response.status, 403);
    const [error] = await ociErrors(response);
    assert.equal(error.code, 'DENIED');
    assert.match(error.message, /neither the owner nor a member/);
    const manifest = await fetch(`${t.url}/v2/acme/web/manifests/stranger`, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: image.manifest.bytes });
    assert.equal(manifest.status, 403);
    assert.equal(await gatewayNonce(), before);
    assert.equal(await manifestDigest(t.chain.api, { repo: 'acme', image: 'web', tag: 'stranger' }), undefined);
  });

  it('refuses an owner who has not granted the gateway, saying how to grant it', async () => {
    const before = await gatewayNonce();
    const login = await createLoginToken(t.keys.bob, service);
    const { token, access } = await accessToken(t.keys.bob, login, 'repository:bobs/app:pull,push');
    assert.deepEqual(access[0].actions, ['pull']);
    const response = await pushBlob(t.url, 'bobs/app', randomBlob(10), token);
    assert.equal(response.status, 403);
    const [error] = await ociErrors(response);
    assert.equal(error.code, 'DENIED');
    assert.match(error.message, /has not granted this gateway/);
    assert.match(error.message, /add_proxy/);
    assert.equal(await gatewayNonce(), before);
  });

  it('tells hcr login the service name to sign for, from the gateway URL alone', async () => {
    assert.equal(await discoverTokenService(t.url), service);
    const login = await createLoginToken(t.keys.alice, await discoverTokenService(`${t.url}/`));
    const response = await fetch(`${t.url}/token?service=${encodeURIComponent(service)}&scope=repository:acme/web:push`, { headers: { Authorization: basicCredentials(t.keys.alice.address, login) } });
    assert.equal(response.status, 200);
  });

  it('refuses forged, expired, wrong-domain and mismatched login tokens', async () => {
    const scope = 'repository:acme/web:pull,push';
    // Signed by Dave, claiming to be Alice.
    const claims = newLoginClaims(t.keys.alice.address, service);
    const forged = loginTokenFromSignature(loginMessage(claims), t.keys.dave.sign(loginMessage(claims)));
    const expired = await createLoginToken(t.keys.alice, service, { now: new Date(Date.now() - 2 * 3600_000), ttlSeconds: 3600 });
    const otherGateway = await createLoginToken(t.keys.alice, 'registry.example.org');
    const cases: [string, string, RegExp][] = [
      [forged, t.keys.alice.address, /signature/],
      [expired, t.keys.alice.address, /expired/],
      [otherGateway, t.keys.alice.address, /not this gateway/],
      [await createLoginToken(t.keys.alice, service), t.keys.bob.address, /username/],
      ['hunter2', t.keys.alice.address, /not an hcr login token/],
      [`${(await createLoginToken(t.keys.alice, service)).slice(0, -6)}AAAAAA`, t.keys.alice.address, /signature/],
    ];
    for (const [password, username, reason] of cases) {
      const response = await tokenFor(scope, password, username);
      assert.equal(response.status, 401, reason.source);
      const [error] = await ociErrors(response);
      assert.equal(error.code, 'UNAUTHORIZED');
      assert.match(error.message, reason);
    }
  });

  it('refuses a revoked login token when it is replayed', async () => {
    const login = await createLoginToken(t.keys.alice, service);
    await accessToken(t.keys.alice, login, 'repository:acme/web:pull');
    const revoked = await fetch(`${t.url}/token/revoke`, { method: 'POST', headers: { Authorization: basic(t.keys.alice.address, login) } });
    assert.equal(revoked.status, 204);
    const replayed = await tokenFor('repository:acme/web:pull', login, t.keys.alice.address);
    assert.equal(replayed.status, 401);
    assert.match((await ociErrors(replayed))[0].message, /revoked/);
  });

  it('refuses an expired or foreign access token with invalid_token', async () => {
    const expired = jwt.sign({ typ: 'access', access: [{ type: 'repository', name: 'acme/web', actions: ['pull', 'push'] }] }, SECRET, { issuer: service, audience: service, subject: t.keys.alice.address, expiresIn: -10 });
    const foreign = jwt.sign({ typ: 'access', access: [{ type: 'repository', name: 'acme/web', actions: ['pull', 'push'] }] }, 'someone else', { issuer: service, audience: service, subject: t.keys.alice.address, expiresIn: 60 });
    for (const token of [expired, foreign]) {
      const response = await pushBlob(t.url, 'acme/web', randomBlob(10), token);
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    }
  });

  it('hands docker login a refresh token and accepts it on POST /token', async () => {
    const login = await createLoginToken(t.keys.alice, service);
    const response = await fetch(`${t.url}/token?service=${encodeURIComponent(service)}&offline_token=true&client_id=docker`, { headers: { Authorization: basic(t.keys.alice.address, login) } });
    const { refresh_token: refresh } = (await response.json()) as { refresh_token: string };
    assert.ok(refresh);
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, service, scope: 'repository:acme/web:pull,push', client_id: 'docker' });
    const posted = await fetch(`${t.url}/token`, { method: 'POST', body: form });
    assert.equal(posted.status, 200);
    const access = (jwt.decode(((await posted.json()) as { token: string }).token) as { access: { actions: string[] }[] }).access;
    assert.deepEqual(access[0].actions, ['pull', 'push']);
  });

  it('verifies login tokens on their own, as hcr login and the web page make them', async () => {
    const token = await createLoginToken(t.keys.alice, 'gw.example:5000');
    const claims = await verifyLoginToken(token, { domain: 'gw.example:5000', address: t.keys.alice.address });
    assert.equal(claims.address, t.keys.alice.address);
    // A wallet's signRaw signs the <Bytes>-wrapped message; both forms verify.
    const fresh = newLoginClaims(t.keys.bob.address, 'gw.example:5000');
    const raw = loginTokenFromSignature(loginMessage(fresh), t.keys.bob.sign(loginMessage(fresh)));
    assert.equal((await verifyLoginToken(raw, { domain: 'gw.example:5000' })).address, t.keys.bob.address);
  });

  describe('single-use login tokens', () => {
    it('refuses a replayed login token', async () => {
      const replica = await t.startReplica({ gatewaySigner: t.keys.gateway, auth: { secret: SECRET, loginTokenReuse: 'once', service } });
      const login = await createLoginToken(t.keys.alice, service);
      const first = await tokenFor('repository:acme/web:pull,push', login, t.keys.alice.address, replica.url);
      assert.equal(first.status, 200);
      const replayed = await tokenFor('repository:acme/web:pull,push', login, t.keys.alice.address, replica.url);
      assert.equal(replayed.status, 401);
      assert.match((await ociErrors(replayed))[0].message, /already used/);
    });
  });

  describe('without anonymous pull, and as a read-only replica', () => {
    it('challenges anonymous pulls when anonymous pull is off', async () => {
      const replica = await t.startReplica({ auth: { secret: SECRET, anonymousPull: false, service } });
      const response = await fetch(`${replica.url}/v2/acme/web/manifests/owner`);
      assert.equal(response.status, 401);
      const anonymous = (await (await tokenFor('repository:acme/web:pull', undefined, undefined, replica.url)).json()) as { token: string };
      assert.deepEqual((jwt.decode(anonymous.token) as { access: unknown[] }).access, []);
      const login = await createLoginToken(t.keys.dave, service);
      const { token } = await accessToken(t.keys.dave, login, 'repository:acme/web:pull');
      const pulled = await fetch(`${replica.url}/v2/acme/web/manifests/owner`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(pulled.status, 200);
    });

    it('says a gateway without a key is a read-only replica', async () => {
      const replica = await t.startReplica({ auth: { enabled: false } });
      const response = await pushBlob(replica.url, 'acme/web', randomBlob(10));
      assert.equal(response.status, 403);
      const [error] = await ociErrors(response);
      assert.equal(error.code, 'DENIED');
      assert.match(error.message, /read-only replica/);
    });
  });
});
