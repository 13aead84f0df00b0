// Turning a login into access that never ends: docker keeps the gateway's 12-hour login (the
// docker password) in ~/.docker/config.json, and whoever reads it there could mint an API token
// with no expiry — permanent access, unless the owner finds the token and revokes it. A token
// minted with a login may not outlive that login, unless the login was signed for this very
// request (valid ten minutes at most, used once), as `hcr token create` signs one. What must keep
// working: the CLI's token commands, a docker login with the same password, a long login minting
// a token within its own lifetime, and an admin token's mints (no later than the admin token).
// Real dev chain, real gateways, real signatures over real sockets.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyringPair } from '@polkadot/keyring/types';
import { signerFromUri } from '../../src/chain';
import { createLoginToken, type RunningGateway } from '../../src/gateway';
import { basicCredentials } from '../../src/gateway/auth/token-service';
import { collect, expectExit, spawnHcr } from '../cli/helpers/run-hcr';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const SECRET = 'token-expiry-attacks-secret-32-b';
const HOUR = 3600;
const DAY_MS = 86_400_000;

interface Answer {
  status: number;
  body: any;
}

describe('API tokens minted with a login', () => {
  let t: TestGateway;
  let service: string;

  before(async () => {
    t = await startTestGateway({ auth: { secret: SECRET } });
    service = t.gateway.service;
  });
  after(async () => {
    await t?.close();
  });

  const login = (pair: KeyringPair, ttlSeconds?: number) => createLoginToken(pair, service, ttlSeconds === undefined ? {} : { ttlSeconds });
  const call = async (url: string, authorization: string, init: RequestInit = {}, path = '/api/tokens'): Promise<Answer> => {
    const response = await fetch(`${url}${path}`, { ...init, headers: { authorization, 'content-type': 'application/json' } });
    return { status: response.status, body: await response.json() };
  };
  const mint = (authorization: string, body: object, url = t.url) => call(url, authorization, { method: 'POST', body: JSON.stringify(body) });
  const names = async (pair: KeyringPair) => (await call(t.url, basicCredentials(pair.address, await login(pair, 600)))).body.tokens.map((token: { name: string }) => token.name);

  it('refuses to mint, with a stolen docker password (a 12-hour login), a token that outlives it, and says how to mint one', async () => {
    const dockerPassword = basicCredentials(t.keys.bob.address, await login(t.keys.bob));
    for (const body of [{ name: 'forever', scopes: ['admin'] }, { name: 'a-year', scopes: ['publish'], expiresInDays: 365 }, { name: 'a-day', scopes: ['read'], expiresInDays: 1 }]) {
      const refused = await mint(dockerPassword, body);
      assert.equal(refused.status, 403, `${body.name}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.error.code, 'FRESH_LOGIN_REQUIRED');
      // The problem (a 12-hour login, as a docker password is) and the fix (a login signed for this request).
      assert.match(refused.body.error.message, /this login is valid for 12 h \(until .*\), as a docker password is, so a token minted with it may not outlive it/);
      assert.match(refused.body.error.message, /hcr token create --suri <key URI>.*hcr login --ttl 10m --print-token/);
      assert.doesNotMatch(refused.body.error.message, /expiresInDays of at most/, 'a 12-hour login has no whole day to offer');
    }
    assert.deepEqual(await names(t.keys.bob), [], 'nothing was minted');
    // The password still does what a docker login does with it, and still lists the account's tokens.
    const atToken = await fetch(`${t.url}/token?service=${encodeURIComponent(service)}&scope=repository:acme/web:pull&offline_token=true`, { headers: { authorization: dockerPassword } });
    assert.equal(atToken.status, 200);
    assert.equal((await call(t.url, dockerPassword)).status, 200);
  });

  it('lets a login valid for weeks mint only tokens that expire before it does', async () => {
    const weeks = basicCredentials(t.keys.charlie.address, await login(t.keys.charlie, 20 * 24 * HOUR));
    const longer = await mint(weeks, { name: 'longer', scopes: ['publish'], expiresInDays: 30 });
    assert.equal(longer.status, 403, JSON.stringify(longer.body));
    assert.match(longer.body.error.message, /a token valid for 30 days was asked for: .*or ask for expiresInDays of at most 19$/);
    assert.equal((await mint(weeks, { name: 'forever', scopes: ['publish'] })).status, 403);
    const within = await mint(weeks, { name: 'within', scopes: ['publish'], expiresInDays: 7 });
    assert.equal(within.status, 201, JSON.stringify(within.body));
    assert.ok(Math.abs(new Date(within.body.expiresAt).getTime() - (Date.now() + 7 * DAY_MS)) < 60_000, within.body.expiresAt);
  });

  it('mints a token of any lifetime with a login signed for the request, once: the same login replayed mints nothing that outlives it', async () => {
    const fresh = basicCredentials(t.keys.dave.address, await login(t.keys.dave, 600));
    const forever = await mint(fresh, { name: 'device', scopes: ['publish'] });
    assert.equal(forever.status, 201, JSON.stringify(forever.body));
    assert.equal(forever.body.expiresAt, null);
    assert.equal(forever.body.createdBy, 'login');
    // Read off a proxy's log or a shell history and replayed within its ten minutes.
    const replayed = await mint(fresh, { name: 'stolen', scopes: ['admin'] });
    assert.equal(replayed.status, 403, JSON.stringify(replayed.body));
    assert.equal(replayed.body.error.code, 'FRESH_LOGIN_REQUIRED');
    assert.match(replayed.body.error.message, /this login token was used before, so it is not one signed for this request.*hcr token create/);
    // A login valid a little longer than ten minutes is not one signed for the request either.
    const eleven = await mint(basicCredentials(t.keys.dave.address, await login(t.keys.dave, 660)), { name: 'eleven', scopes: ['read'] });
    assert.equal(eleven.status, 403, JSON.stringify(eleven.body));
    assert.match(eleven.body.error.message, /valid for 660 s/);
    // The replayed login still lists and revokes (nothing that outlives it).
    const listed = await call(t.url, fresh);
    assert.deepEqual(listed.body.tokens.map((token: { name: string }) => token.name), ['device']);
    assert.equal((await call(t.url, fresh, { method: 'DELETE' }, `/api/tokens/${forever.body.id}`)).status, 200);
  });

  it('mints nothing lasting with a ten-minute login first sent elsewhere: to a door (as hcr artifact sends its own), to /token, or to list tokens', async () => {
    const sentTo: Array<[string, (authorization: string) => Promise<number>]> = [
      ['a door', async (authorization) => (await fetch(`${t.url}/api/packages/acme/tool`, { headers: { authorization } })).status],
      ['/token', async (authorization) => (await fetch(`${t.url}/token?service=${encodeURIComponent(service)}&scope=repository:acme/web:pull`, { headers: { authorization } })).status],
      ['the token list', async (authorization) => (await call(t.url, authorization)).status],
    ];
    const ferdie = await signerFromUri('//Ferdie');
    for (const [where, send] of sentTo) {
      const seen = basicCredentials(ferdie.address, await login(ferdie, 600));
      // The door answers whatever it answers (no index here); what matters is that it took the login.
      assert.notEqual(await send(seen), 401, `${where} refused the login`);
      // Read there, off a proxy's or a server's log, and replayed within its ten minutes.
      const replayed = await mint(seen, { name: 'stolen', scopes: ['admin'] });
      assert.equal(replayed.status, 403, `${where}: ${JSON.stringify(replayed.body)}`);
      assert.match(replayed.body.error.message, /this login token was used before/);
      // What it may still mint: a token that expires with it.
      assert.equal((await mint(seen, { name: 'within', scopes: ['read'], expiresInDays: 1 })).status, 403, 'a day outlives ten minutes');
    }
    assert.deepEqual(await names(ferdie), []);
  });

  it('still caps what an admin token mints at its own expiry', async () => {
    const admin = await mint(basicCredentials(t.keys.alice.address, await login(t.keys.alice, 600)), { name: 'admin-for-a-day', scopes: ['admin'], expiresInDays: 1 });
    assert.equal(admin.status, 201, JSON.stringify(admin.body));
    const child = await mint(`Bearer ${admin.body.token}`, { name: 'child', scopes: ['read'] });
    assert.equal(child.status, 201, JSON.stringify(child.body));
    assert.ok(child.body.expiresAt !== null && new Date(child.body.expiresAt) <= new Date(admin.body.expiresAt));
  });

  describe('hcr token, as the README shows it', () => {
    const env = () => {
      const clean = { ...process.env };
      for (const name of ['HCR_TOKEN', 'HCR_SURI', 'HCR_REGISTRY', 'HCR_CONFIG']) delete clean[name];
      return clean;
    };
    const hcr = async (args: string[], code = 0) => {
      const result = await collect(spawnHcr(['token', ...args, '--registry', t.url], env()), `token ${args[0]}`);
      expectExit(result, code);
      return result;
    };

    it('creates a token with no expiry, lists it and revokes it, each time with a login it signs for the request', async () => {
      const created = await hcr(['create', '--name', 'ci', '--scope', 'publish', '--suri', '//Eve', '--json']);
      const token = JSON.parse(created.stdout) as { id: string; token: string; expiresAt: string | null };
      assert.match(token.token, /^hcrt_/);
      assert.equal(token.expiresAt, null);
      assert.equal((await fetch(`${t.url}/api/tokens`, { headers: { authorization: `Bearer ${token.token}` } })).status, 403, 'a publish token manages no tokens');
      const again = await hcr(['create', '--name', 'device', '--scope', 'read', '--expires-days', '30', '--suri', '//Eve']);
      assert.match(again.stdout, /^hcrt_/);
      assert.match((await hcr(['ls', '--suri', '//Eve'])).stdout, /ci {2}publish {2}no expiry[\s\S]*device {2}read {2}until /);
      assert.match((await hcr(['revoke', token.id, '--suri', '//Eve'])).stdout, /^revoked /);
    });

    it('says what to do when the login given is a docker password', async () => {
      const eve = await signerFromUri('//Eve');
      const dockerPassword = basicCredentials(eve.address, await login(eve));
      const refused = await mint(dockerPassword, { name: 'ci', scopes: ['publish'] });
      assert.equal(refused.status, 403);
      // What the CLI would print for it: the gateway's message.
      assert.match(refused.body.error.message, /sign a login for this request, valid 10 minutes at most and used once/);
    });
  });

  describe('a gateway that takes each login token once', () => {
    let once: RunningGateway;
    before(async () => {
      once = await t.startReplica({ gatewaySigner: t.keys.gateway, auth: { secret: SECRET, loginTokenReuse: 'once', service } });
    });

    it('mints a never-expiring token with a fresh login, and nothing that outlives a 12-hour one', async () => {
      assert.equal((await mint(basicCredentials(t.keys.alice.address, await login(t.keys.alice, 600)), { name: 'fresh', scopes: ['read'] }, once.url)).status, 201);
      const long = await mint(basicCredentials(t.keys.alice.address, await login(t.keys.alice)), { name: 'long', scopes: ['read'] }, once.url);
      assert.equal(long.status, 403, JSON.stringify(long.body));
      assert.equal(long.body.error.code, 'FRESH_LOGIN_REQUIRED');
    });
  });
});
