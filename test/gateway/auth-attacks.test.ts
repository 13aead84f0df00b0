// The gateway's auth as an attacker meets it: a hostile gateway that names another gateway's
// service to collect login tokens valid there, a token secret an attacker can guess (an empty or
// short key file), a login token already spent at /token replayed at the API token routes of a
// gateway that takes each login once, the anonymous token anyone gets taken as a login where
// anonymous pulls are off, a service that breaks out of the Basic challenge's realm; and what
// must stay refused or accepted: other key types and SS58 forms of one account, Basic edge cases,
// access-token forgeries (alg none, another service, a refresh token, not yet valid, HS512).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { encodeAddress } from '@polkadot/util-crypto';
import { createLoginToken, discoverTokenService, loginMessage, loginTokenFromSignature, newLoginClaims, type RunningGateway, startGateway, type StartGatewayOptions } from '../../src/gateway';
import { basicCredentials } from '../../src/gateway/auth/token-service';
import { ociErrors, pushBlob, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const SECRET = 'auth-attacks-secret-of-32-bytes!';

/** An HTTP server answering GET /v2/ with the Bearer challenge given (a gateway that lies). */
async function challengeServer(challenge: (url: string) => string): Promise<{ url: string; close(): Promise<void> }> {
  let url = '';
  const server: Server = createServer((_req, res) => {
    res.writeHead(401, { 'WWW-Authenticate': challenge(url), 'Content-Type': 'application/json' });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"log in"}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('auth attacks', () => {
  let t: TestGateway;
  let service: string;

  before(async () => {
    t = await startTestGateway({ auth: { secret: SECRET } });
    service = t.gateway.service;
  });
  after(async () => {
    await t?.close();
  });

  describe('a gateway naming another gateway\'s service', () => {
    it('signs no login for a service other than the host the gateway was reached at (hcr artifact and hcr token would send it there)', async () => {
      // evil.example runs this; the victim points `hcr artifact pull --registry` at it with --suri.
      const evil = await challengeServer((url) => `Bearer realm="${url}/token",service="${service}"`);
      try {
        await assert.rejects(discoverTokenService(evil.url), (error: Error) => {
          assert.match(error.message, new RegExp(`asks for login tokens for "${service.replace(/[.[\]]/g, '\\$&')}", not for ${new URL(evil.url).host.replace(/\./g, '\\.')}`));
          assert.match(error.message, /--public-url/);
          return true;
        });
      } finally {
        await evil.close();
      }
      // What the hole gave away: the login the victim would have signed for that service and sent
      // to evil.example is good at the real gateway, for a push into the victim's space.
      const stolen = await createLoginToken(t.keys.alice, service);
      const response = await fetch(`${t.url}/token?service=${encodeURIComponent(service)}&scope=repository:acme/web:pull,push`, { headers: { Authorization: basicCredentials(t.keys.alice.address, stolen) } });
      assert.equal(response.status, 200);
      const access = (jwt.decode(((await response.json()) as { token: string }).token) as { access: { actions: string[] }[] }).access;
      assert.deepEqual(access[0].actions, ['pull', 'push']);
    });

    it('refuses a service with a path or another port, and takes one naming the host and port reached (or a loopback alias of them)', async () => {
      const odd = await challengeServer((url) => `Bearer realm="${url}/token",service="${new URL(url).host}/v2@evil"`);
      try {
        await assert.rejects(discoverTokenService(odd.url), /asks for login tokens for/);
      } finally {
        await odd.close();
      }
      const otherPort = await challengeServer((url) => `Bearer realm="${url}/token",service="localhost:${Number(new URL(url).port) + 1}"`);
      try {
        await assert.rejects(discoverTokenService(otherPort.url), /asks for login tokens for "localhost:\d+", not for 127\.0\.0\.1:\d+/);
      } finally {
        await otherPort.close();
      }
      // A local gateway published as http://localhost:PORT (docker-compose.yml) reached at 127.0.0.1:PORT.
      const alias = await challengeServer((url) => `Bearer realm="${url}/token",service="localhost:${new URL(url).port}"`);
      try {
        assert.equal(await discoverTokenService(alias.url), `localhost:${new URL(alias.url).port}`);
      } finally {
        await alias.close();
      }
      const honest = await challengeServer((url) => `Bearer realm="${url}/token",service="${new URL(url).host.toUpperCase()}"`);
      try {
        assert.equal(await discoverTokenService(`${honest.url}/`), new URL(honest.url).host.toUpperCase());
      } finally {
        await honest.close();
      }
    });
  });

  describe('the access-token secret', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(t.dataDir, 'secret-'));
    });

    /** Starts a gateway on `dataDir`; a gateway that should not have started is closed before failing. */
    async function refusedStart(dataDir: string, options: Partial<StartGatewayOptions>, reason: RegExp): Promise<void> {
      let started: RunningGateway | undefined;
      try {
        started = await startGateway({ api: t.chain.api, blobStore: t.store, dataDir, port: 0, gatewaySigner: t.keys.gateway, log: () => undefined, ...options });
      } catch (error) {
        assert.match((error as Error).message, reason);
        return;
      }
      // It started: show what that key lets anyone do, then fail.
      const forged = jwt.sign({ typ: 'access', access: [{ type: 'repository', name: 'acme/web', actions: ['pull', 'push'] }] }, Buffer.alloc(0), { algorithm: 'HS256', issuer: started.service, audience: started.service, subject: t.keys.alice.address, expiresIn: 60 });
      const pushed = await pushBlob(started.url, 'acme/web', randomBlob(10), forged).catch(() => undefined);
      await started.close();
      assert.fail(`the gateway started on a guessable key (a push with a token signed by an empty key answered ${pushed?.status})`);
    }

    it('refuses to start on an empty token-secret file, where anyone could sign access tokens', async () => {
      const dataDir = join(dir, 'empty');
      mkdirSync(join(dataDir, 'gateway'), { recursive: true });
      writeFileSync(join(dataDir, 'gateway', 'token-secret'), '');
      await refusedStart(dataDir, { auth: {} }, /token secret .*token-secret holds 0 bytes, fewer than the 32 .*delete it to have a new one generated/);
    });

    it('refuses a token-secret file shorter than 32 bytes, and an empty auth.secret', async () => {
      const dataDir = join(dir, 'short');
      mkdirSync(join(dataDir, 'gateway'), { recursive: true });
      writeFileSync(join(dataDir, 'gateway', 'token-secret'), 'changeme\n');
      await refusedStart(dataDir, { auth: {} }, /holds 9 bytes, fewer than the 32/);
      await refusedStart(join(dir, 'given'), { auth: { secret: '' } }, /auth\.secret is empty/);
    });

    it('generates a 32-byte secret into a new data dir and starts on it again', async () => {
      const dataDir = join(dir, 'fresh');
      const first = await startGateway({ api: t.chain.api, blobStore: t.store, dataDir, port: 0, log: () => undefined, auth: {} });
      await first.close();
      const secret = readFileSync(join(dataDir, 'gateway', 'token-secret'));
      assert.equal(secret.length, 32);
      const again = await startGateway({ api: t.chain.api, blobStore: t.store, dataDir, port: 0, log: () => undefined, auth: {} });
      await again.close();
      assert.deepEqual(readFileSync(join(dataDir, 'gateway', 'token-secret')), secret);
      rmSync(dataDir, { recursive: true, force: true });
    });
  });

  describe('a gateway that takes each login token once', () => {
    let once: RunningGateway;
    before(async () => {
      once = await t.startReplica({ gatewaySigner: t.keys.gateway, auth: { secret: SECRET, loginTokenReuse: 'once', service } });
    });

    const mint = (login: string) =>
      fetch(`${once.url}/api/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicCredentials(t.keys.alice.address, login) },
        body: JSON.stringify({ name: 'stolen', scopes: ['admin'] }),
      });

    it('refuses a login token spent at /token when it is replayed to mint an API token', async () => {
      const login = await createLoginToken(t.keys.alice, service);
      const spent = await fetch(`${once.url}/token?service=${encodeURIComponent(service)}&scope=repository:acme/web:pull`, { headers: { Authorization: basicCredentials(t.keys.alice.address, login) } });
      assert.equal(spent.status, 200);
      // Whoever later reads the docker password (shell history, a log) tries it where it still works.
      const replayed = await mint(login);
      assert.equal(replayed.status, 401, await replayed.clone().text());
      assert.match(((await replayed.json()) as { error: { message: string } }).error.message, /already used \(a replay\).*hcr login/);
    });

    it('takes a fresh login token at the API token routes once', async () => {
      // Valid 10 minutes, as `hcr token create` signs it: a longer one may not mint a token that outlives it.
      const login = await createLoginToken(t.keys.alice, service, { ttlSeconds: 600 });
      assert.equal((await mint(login)).status, 201);
      assert.equal((await mint(login)).status, 401);
      const atToken = await fetch(`${once.url}/token?service=${encodeURIComponent(service)}&scope=repository:acme/web:pull`, { headers: { Authorization: basicCredentials(t.keys.alice.address, login) } });
      assert.equal(atToken.status, 401);
    });
  });

  describe('who a login token names', () => {
    const tokenWith = (username: string, password: string) =>
      fetch(`${t.url}/token?service=${encodeURIComponent(service)}&scope=repository:acme/web:pull,push`, { headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } });
    const subjectOf = async (response: Response) => {
      assert.equal(response.status, 200, await response.clone().text());
      const claims = jwt.decode(((await response.json()) as { token: string }).token) as { sub: string; access: { actions: string[] }[] };
      return { subject: claims.sub, actions: claims.access[0]?.actions };
    };

    it('takes the signer\'s address in any SS58 prefix or as its public key, and acts as the one account', async () => {
      const alice = t.keys.alice;
      const login = await createLoginToken(alice, service);
      for (const username of [encodeAddress(alice.publicKey, 0), encodeAddress(alice.publicKey, 2), u8aToHex(alice.publicKey)]) {
        assert.deepEqual(await subjectOf(await tokenWith(username, login)), { subject: alice.address, actions: ['pull', 'push'] }, username);
      }
      // A message naming Alice in Polkadot's prefix, signed by Alice: the same account.
      const claims = { ...newLoginClaims(alice.address, service), address: encodeAddress(alice.publicKey, 0) };
      const polkadot = loginTokenFromSignature(loginMessage(claims), alice.sign(u8aWrapBytes(loginMessage(claims))));
      assert.deepEqual(await subjectOf(await tokenWith(alice.address, polkadot)), { subject: alice.address, actions: ['pull', 'push'] });
    });

    it('takes ed25519 and ecdsa keys, and refuses a signature by the same seed under another key type', async () => {
      for (const type of ['ed25519', 'ecdsa'] as const) {
        const pair = new Keyring({ type, ss58Format: 42 }).addFromUri('//Alice');
        assert.equal((await subjectOf(await tokenWith(pair.address, await createLoginToken(pair, service)))).subject, pair.address, type);
        // Alice's sr25519 key signs a message naming the ed25519/ecdsa account of the same seed.
        const claims = newLoginClaims(pair.address, service);
        const forged = loginTokenFromSignature(loginMessage(claims), t.keys.alice.sign(u8aWrapBytes(loginMessage(claims))));
        const refused = await tokenWith(pair.address, forged);
        assert.equal(refused.status, 401, type);
        assert.match((await ociErrors(refused))[0].message, /signature is not/);
      }
    });

    it('refuses an empty username or one with the password after another colon', async () => {
      const login = await createLoginToken(t.keys.alice, service);
      for (const [username, password, reason] of [
        ['', login, /the username is ""/],
        [t.keys.alice.address, `:${login}`, /not an hcr login token/],
        // Basic splits at the first colon: a username cannot hold one, the rest is the password.
        [`${t.keys.alice.address}:x`, login, /not an hcr login token/],
      ] as const) {
        const response = await tokenWith(username, password);
        assert.equal(response.status, 401, `${username}:${password.slice(0, 8)}`);
        assert.match((await ociErrors(response))[0].message, reason);
      }
    });
  });

  it('does not take the anonymous token anyone gets from /token as a login where anonymous pulls are off', async () => {
    const mirror = await t.startReplica({ mirror: ['acme'], auth: { secret: SECRET, anonymousPull: false, service } });
    const anonymous = (await (await fetch(`${mirror.url}/token?service=${encodeURIComponent(service)}`)).json()) as { token: string };
    assert.equal((jwt.decode(anonymous.token) as { sub: string }).sub, 'anonymous');
    for (const path of ['/mirror', '/v2/']) {
      const response = await fetch(`${mirror.url}${path}`, { headers: { Authorization: `Bearer ${anonymous.token}` } });
      assert.equal(response.status, 401, `${path}: ${await response.clone().text()}`);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="insufficient_scope",error_description="this gateway serves logged-in accounts only.*hcr login/, path);
    }
    const login = await createLoginToken(t.keys.dave, service);
    const { token } = (await (await fetch(`${mirror.url}/token?service=${encodeURIComponent(service)}`, { headers: { Authorization: basicCredentials(t.keys.dave.address, login) } })).json()) as { token: string };
    assert.equal((await fetch(`${mirror.url}/mirror`, { headers: { Authorization: `Bearer ${token}` } })).status, 200);
    assert.equal((await fetch(`${mirror.url}/v2/`, { headers: { Authorization: `Bearer ${token}` } })).status, 200);
  });

  it('quotes the service in the Basic challenge of a refused login, as in the Bearer one', async () => {
    const odd = 'odd",charset="x\\';
    const replica = await t.startReplica({ auth: { secret: SECRET, service: odd } });
    const response = await fetch(`${replica.url}/token?scope=repository:acme/web:pull`, { headers: { Authorization: basicCredentials(t.keys.alice.address, 'hunter2') } });
    assert.equal(response.status, 401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    // One parameter, realm, whose quoted-string unescapes to the service.
    const match = /^Basic realm="((?:[^"\\]|\\.)*)"$/.exec(challenge);
    assert.ok(match, `not a Basic challenge with the realm alone: ${challenge}`);
    assert.equal(match[1].replace(/\\(.)/g, '$1'), odd);
  });

  describe('forged access tokens', () => {
    const grant = [{ type: 'repository', name: 'acme/web', actions: ['pull', 'push'] }];

    async function refused(token: string, why: string): Promise<void> {
      const response = await pushBlob(t.url, 'acme/web', randomBlob(10), token);
      assert.equal(response.status, 401, why);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/, why);
      assert.equal((await ociErrors(response))[0].code, 'UNAUTHORIZED', why);
    }

    it('refuses alg none, another service\'s token under the same secret, a refresh token, and one not valid yet', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const payload = Buffer.from(JSON.stringify({ typ: 'access', access: grant, iss: service, aud: service, sub: t.keys.alice.address, iat: now, exp: now + 60 })).toString('base64url');
      await refused(`${header}.${payload}.`, 'alg none');
      const sign = (claims: object, options: jwt.SignOptions) => jwt.sign(claims, SECRET, { algorithm: 'HS256', subject: t.keys.alice.address, expiresIn: 60, ...options });
      await refused(sign({ typ: 'access', access: grant }, { issuer: 'registry.example.org', audience: 'registry.example.org' }), 'another service');
      await refused(sign({ typ: 'refresh', nonce: '00'.repeat(16), access: grant }, { issuer: service, audience: service }), 'a refresh token');
      await refused(sign({ typ: 'access', access: grant }, { issuer: service, audience: service, notBefore: 3600 }), 'not before an hour from now');
      await refused(jwt.sign({ typ: 'access', access: grant }, SECRET, { algorithm: 'HS512', issuer: service, audience: service, subject: t.keys.alice.address, expiresIn: 60 }), 'HS512');
    });
  });
});
