// Revoking an admin token stops the tokens it minted, and the ones those minted: whoever held a
// leaked admin token keeps nothing through tokens minted in advance.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiTokens } from '../../src/gateway/auth/api-tokens';
import { type DoorsFixture, startDoors } from './helpers/doors';
import { loginHeader, mintToken } from './helpers/tokens';

describe('revoking an admin token', () => {
  let doors: DoorsFixture;

  before(async () => {
    doors = await startDoors();
  });
  after(() => doors?.close());

  async function mintWith(adminToken: string, name: string, scopes: string[]): Promise<{ id: string; token: string }> {
    const response = await fetch(`${doors.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ name, scopes }) });
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json()) as { id: string; token: string };
  }

  function firmware(token: string, version: string) {
    const form = new FormData();
    form.append('metadata', JSON.stringify({ name: 'acme/cascade', version }));
    form.append('firmware', new Blob([randomBytes(100)]), 'firmware.bin');
    return fetch(`${doors.url}/firmware`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  }

  test('stops the tokens it minted, and theirs, at every door and at the OCI API', async () => {
    const admin = await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['admin'], 'leaked-admin');
    const child = await mintWith(admin.token, 'ci', ['publish']);
    const secondAdmin = await mintWith(admin.token, 'second-admin', ['admin']);
    const grandchild = await mintWith(secondAdmin.token, 'device', ['read']);
    const bystander = await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['publish'], 'bystander');
    assert.equal((await firmware(child.token, '1.0.0')).status, 201);
    assert.equal((await fetch(`${doors.url}/firmware`, { headers: { authorization: `Bearer ${grandchild.token}` } })).status, 200);

    const revoked = await fetch(`${doors.url}/api/tokens/${admin.id}`, { method: 'DELETE', headers: { authorization: await loginHeader(doors.t.keys.alice, doors.t.gateway.service) } });
    assert.equal(revoked.status, 200);

    const publish = await firmware(child.token, '1.0.1');
    assert.equal(publish.status, 401);
    assert.match(await publish.text(), /"ci" was revoked at \S+ with the token "leaked-admin" \([0-9a-f]{16}\) it was minted through: mint a new one with `hcr token create`/);
    const read = await fetch(`${doors.url}/api/packages`, { headers: { authorization: `Bearer ${grandchild.token}` } });
    assert.equal(read.status, 401);
    assert.match(((await read.json()) as { error: { message: string } }).error.message, /"device" was revoked at \S+ with the token "leaked-admin" \([0-9a-f]{16}\) it was minted through/);
    // The OCI API (docker login with the token as password) refuses them too.
    const dockerLogin = await fetch(`${doors.url}/token?service=${encodeURIComponent(doors.t.gateway.service)}&scope=repository:acme/cascade:pull`, {
      headers: { authorization: `Basic ${Buffer.from(`${doors.t.keys.alice.address}:${child.token}`).toString('base64')}` },
    });
    assert.equal(dockerLogin.status, 401, await dockerLogin.clone().text());
    assert.match(((await dockerLogin.json()) as { errors: { message: string }[] }).errors[0].message, /"ci" was revoked at \S+ with the token "leaked-admin"/);
    // Listed as revoked with it, so `hcr token ls` shows what went.
    const listed = (await (await fetch(`${doors.url}/api/tokens`, { headers: { authorization: await loginHeader(doors.t.keys.alice, doors.t.gateway.service) } })).json()) as { tokens: { id: string; revokedAt: string | null }[] };
    const revokedAt = (id: string) => listed.tokens.find((t) => t.id === id)?.revokedAt;
    assert.ok(revokedAt(child.id) && revokedAt(secondAdmin.id) && revokedAt(grandchild.id), JSON.stringify(listed.tokens));
    // A token the revoked one did not mint stands.
    assert.equal(revokedAt(bystander.id), null);
    assert.equal((await firmware(bystander.token, '1.0.2')).status, 201);
  });

  test('a token file where only the minter was revoked (written before revocations cascaded) still refuses what it minted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcr-token-chain-'));
    try {
      const file = join(dir, 'api-tokens.json');
      const store = new ApiTokens(file);
      const account = doors.t.keys.alice.address;
      const admin = store.create(account, { name: 'old-admin', scopes: ['admin'], createdBy: 'login' });
      const child = store.create(account, { name: 'old-ci', scopes: ['publish'], createdBy: `token:${admin.info.id}` });
      const grandchild = store.create(account, { name: 'old-device', scopes: ['read'], createdBy: `token:${child.info.id}` });
      // As such a file holds it: the admin token revoked, the ones it minted not.
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { tokens: { id: string; revokedAt: string | null }[] };
      for (const token of saved.tokens) if (token.id === admin.info.id) token.revokedAt = '2026-01-01T00:00:00.000Z';
      writeFileSync(file, JSON.stringify(saved));
      const reader = new ApiTokens(file);
      assert.throws(() => reader.verify(child.token), /"old-ci" was minted by the token "old-admin" \([0-9a-f]{16}\), which was revoked at 2026-01-01T00:00:00\.000Z; a token goes with the token that minted it/);
      assert.throws(() => reader.verify(grandchild.token), /"old-device" was minted \(through "old-ci"\) by the token "old-admin"/);
      // A minter the file no longer holds counts as gone.
      writeFileSync(file, JSON.stringify({ tokens: saved.tokens.filter((t) => t.id !== admin.info.id) }));
      assert.throws(() => new ApiTokens(file).verify(child.token), /minted by token [0-9a-f]{16}, which this gateway no longer knows/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
