// /token counts the tokens it issues against the account the basic-auth username names, so a
// username must be the account that authenticates: with a login token or an API token it is
// checked, and with a refresh token too. Else anyone holding a refresh token of their own could
// name another account as the username and spend that account's allowance, and the account's
// docker pulls and pushes would be refused with 429 for as long as the flood went on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLoginToken } from '../../src/gateway';
import { basicCredentials } from '../../src/gateway/auth/token-service';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('a refresh token sent with another account as the username', () => {
  let t: TestGateway;
  let service: string;
  const tokenFor = async (authorization: string) => fetch(`${t.url}/token?service=${encodeURIComponent(service)}&scope=repository:acme/web:pull`, { headers: { authorization } });

  before(async () => {
    t = await startTestGateway({ limits: { token: { perAccount: { perMinute: 1, burst: 1 } } } });
    service = t.gateway.service;
  });
  after(async () => {
    await t?.close();
  });

  test('is refused, naming the refresh token\'s account, and leaves that other account its allowance', async () => {
    const { alice, bob } = t.keys;
    const login = await createLoginToken(bob, service);
    // Bob's docker login, as the engine makes it: GET with basic auth and offline_token, once.
    const loggedIn = await fetch(`${t.url}/token?service=${encodeURIComponent(service)}&offline_token=true&client_id=docker`, { headers: { authorization: basicCredentials(bob.address, login) } });
    assert.equal(loggedIn.status, 200);
    const { refresh_token: refresh } = (await loggedIn.json()) as { refresh_token: string };
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, service, scope: 'repository:acme/web:pull', client_id: 'docker' });
    const asAlice = await fetch(`${t.url}/token`, { method: 'POST', body: form, headers: { authorization: `Basic ${Buffer.from(`${alice.address}:x`).toString('base64')}` } });
    const text = await asAlice.text();
    assert.equal(asAlice.status, 401, `a token was issued: ${text}`);
    assert.match(JSON.parse(text).errors[0].message, new RegExp(`^the refresh token is ${bob.address}'s, but the username is "${alice.address}"`));
    // Alice's one token a minute is still hers.
    assert.equal((await tokenFor(basicCredentials(alice.address, await createLoginToken(alice, service)))).status, 200);
    // Without a username, as docker sends it, the refresh token still works.
    const plain = await fetch(`${t.url}/token`, { method: 'POST', body: form });
    assert.equal(plain.status, 200, await plain.clone().text());
  });
});
