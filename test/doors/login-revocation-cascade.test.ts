// Revoking a login (POST /token/revoke: a logout, or a docker password known to be read off a
// machine) revokes the API tokens that login minted, and what those minted; tokens minted with
// another login of the same account stay.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLoginToken } from '../../src/gateway';
import { basicCredentials } from '../../src/gateway/auth/token-service';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { loginHeader, mintToken } from './helpers/tokens';

describe('revoking a login', () => {
  let t: TestGateway;

  before(async () => {
    t = await startTestGateway({ auth: { enabled: true } });
  });
  after(() => t?.close());

  async function mint(authorization: string, name: string, scopes: string[]): Promise<{ id: string; token: string }> {
    const response = await fetch(`${t.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ name, scopes, expiresInDays: 1 }) });
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()) as { id: string; token: string };
  }

  /** A docker login with the API token as the password, as CI does it: the gateway's answer. */
  async function dockerLogin(token: string): Promise<{ status: number; message?: string }> {
    const response = await fetch(`${t.url}/token?service=${encodeURIComponent(t.gateway.service)}&scope=repository:acme/web:pull`, {
      headers: { authorization: basicCredentials(t.keys.alice.address, token) },
    });
    const body = (await response.json()) as { errors?: { message: string }[] };
    return { status: response.status, message: body.errors?.[0]?.message };
  }

  test('revokes the tokens it minted and theirs, at the OCI API and in the listing; another login\'s tokens stay', async () => {
    // Long-lived logins (a docker password of three days): each mints tokens that end before it.
    const leaked = basicCredentials(t.keys.alice.address, await createLoginToken(t.keys.alice, t.gateway.service, { ttlSeconds: 3 * 86_400 }));
    const other = basicCredentials(t.keys.alice.address, await createLoginToken(t.keys.alice, t.gateway.service, { ttlSeconds: 3 * 86_400 }));
    const viaLogin = await mint(leaked, 'via-leaked-login', ['admin']);
    const viaAdmin = await mint(`Bearer ${viaLogin.token}`, 'via-its-admin-token', ['read']);
    const viaOther = await mint(other, 'via-other-login', ['read']);
    const fresh = await mintToken(t.url, t.gateway.service, t.keys.alice, ['read'], 'via-fresh-login');
    for (const token of [viaLogin, viaAdmin, viaOther, fresh]) assert.equal((await dockerLogin(token.token)).status, 200);

    const logout = await fetch(`${t.url}/token/revoke`, { method: 'POST', headers: { authorization: leaked } });
    assert.equal(logout.status, 204, await logout.clone().text());

    const refused = await dockerLogin(viaLogin.token);
    assert.equal(refused.status, 401);
    assert.match(refused.message ?? '', /the API token "via-leaked-login" was revoked at \S+ with the login it was minted with \(logged out\): mint a new one with `hcr token create`/);
    const refusedChild = await dockerLogin(viaAdmin.token);
    assert.equal(refusedChild.status, 401);
    assert.match(refusedChild.message ?? '', /"via-its-admin-token" was revoked at \S+ with the token "via-leaked-login" \([0-9a-f]{16}\) it was minted through/);
    assert.equal((await dockerLogin(viaOther.token)).status, 200, 'a token of another login stays');
    assert.equal((await dockerLogin(fresh.token)).status, 200, 'a token of a one-time login stays');

    const listed = (await (await fetch(`${t.url}/api/tokens`, { headers: { authorization: await loginHeader(t.keys.alice, t.gateway.service) } })).json()) as { tokens: { id: string; revokedAt: string | null; revokedWithLogin?: boolean; createdBy: string }[] };
    const entry = (id: string) => listed.tokens.find((token) => token.id === id)!;
    assert.ok(entry(viaLogin.id).revokedAt && entry(viaLogin.id).revokedWithLogin, JSON.stringify(entry(viaLogin.id)));
    assert.ok(entry(viaAdmin.id).revokedAt);
    assert.equal(entry(viaOther.id).revokedAt, null);
    assert.equal(entry(viaLogin.id).createdBy, 'login');
    assert.ok(!('loginNonce' in entry(viaLogin.id)), 'the login\'s nonce is kept, not shown');
  });

  test('another account revoking its own login leaves this account\'s tokens', async () => {
    const alices = basicCredentials(t.keys.alice.address, await createLoginToken(t.keys.alice, t.gateway.service, { ttlSeconds: 3 * 86_400 }));
    const token = await mint(alices, 'alice-stays', ['read']);
    const bobs = basicCredentials(t.keys.bob.address, await createLoginToken(t.keys.bob, t.gateway.service, { ttlSeconds: 3 * 86_400 }));
    await mint(bobs, 'bob-goes', ['read']);
    assert.equal((await fetch(`${t.url}/token/revoke`, { method: 'POST', headers: { authorization: bobs } })).status, 204);
    assert.equal((await dockerLogin(token.token)).status, 200);
  });
});
