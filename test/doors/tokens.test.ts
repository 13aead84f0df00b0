// API tokens: minted by a login (or an admin token), listed without secrets, revoked; scopes read,
// publish and admin, each refused past its reach at every door and on the OCI API; a token never
// doing more than its account (an admin token of one account touches no other account's space
// or tokens). This gateway serves reads to logged-in accounts only, so reads need a token too.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addSpaceMember, submitTx } from '../../src/chain';
import { ApiTokens } from '../../src/gateway/auth/api-tokens';
import { blobOf, pushBlob } from '../gateway/helpers/oci-client';
import { type DoorsFixture, startDoors } from './helpers/doors';
import { loginHeader, mintToken } from './helpers/tokens';

describe('API tokens and their scopes', () => {
  let doors: DoorsFixture;
  const firmware = (token: string | undefined, name: string, version = '1.0.0') => {
    const form = new FormData();
    form.append('metadata', JSON.stringify({ name, version }));
    form.append('firmware', new Blob([randomBytes(300)]), 'firmware.bin');
    return fetch(`${doors.url}/firmware`, { method: 'POST', body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
  };
  const tokens = async (authorization: string, init: RequestInit = {}, path = '/api/tokens') => {
    const response = await fetch(`${doors.url}${path}`, { ...init, headers: { authorization, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    return { status: response.status, body: (await response.json()) as any };
  };

  before(async () => {
    doors = await startDoors({ auth: { enabled: true, anonymousPull: false } });
  });
  after(async () => {
    await doors?.close();
  });

  test('a login mints tokens; they are listed without their secrets, and only a hash is kept', async () => {
    const alice = await loginHeader(doors.t.keys.alice, doors.t.gateway.service);
    const minted = await tokens(alice, { method: 'POST', body: JSON.stringify({ name: 'ci', scopes: ['publish'], expiresInDays: 30 }) });
    assert.equal(minted.status, 201);
    assert.deepEqual([minted.body.account, minted.body.name, minted.body.scopes, minted.body.createdBy], [doors.t.keys.alice.address, 'ci', ['publish'], 'login']);
    assert.match(minted.body.token, /^hcrt_[0-9a-f]{16}_[0-9a-f]{64}$/);
    assert.ok(new Date(minted.body.expiresAt).getTime() > Date.now() + 29 * 86_400_000);
    const listed = await tokens(alice, {});
    assert.deepEqual(listed.body.tokens.map((t: any) => [t.id, t.name, t.token]), [[minted.body.id, 'ci', undefined]]);
    const stored = readFileSync(join(doors.t.dataDir, 'gateway', 'api-tokens.json'), 'utf8');
    assert.ok(!stored.includes(minted.body.token.split('_')[2]), 'the secret is not stored');
    // Expired tokens are refused (the clock moved past expiresAt).
    const store = new ApiTokens(join(doors.t.dataDir, 'gateway', 'api-tokens.json'));
    assert.throws(() => store.verify(minted.body.token, new Date(Date.now() + 31 * 86_400_000)), /expired at/);
    const bad = await tokens(alice, { method: 'POST', body: JSON.stringify({ name: 'x', scopes: ['root'] }) });
    assert.deepEqual([bad.status, bad.body.error.code], [400, 'INVALID_FIELD']);
    assert.equal((await tokens('', {})).status, 401);
  });

  test('read lists and downloads but cannot publish, at any door or on the OCI API', async () => {
    const read = (await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['read'], 'device')).token;
    const publish = (await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['publish'], 'ci')).token;
    assert.equal((await firmware(publish, 'scoped')).status, 201);
    assert.equal((await fetch(`${doors.url}/firmware`)).status, 401, 'no anonymous reads on this gateway');
    const listed = await fetch(`${doors.url}/firmware`, { headers: { authorization: `Bearer ${read}` } });
    assert.equal(listed.status, 200);
    assert.equal(((await listed.json()) as any[])[0].name, 'scoped');
    assert.equal((await fetch(`${doors.url}/firmware/scoped/1.0.0`, { headers: { authorization: `Bearer ${read}` } })).status, 200);
    const refused = await firmware(read, 'scoped', '2.0.0');
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /scope read, which does not publish/);
    const form = new FormData();
    form.append('metadata', JSON.stringify({ name: 'acme/pkg', version: '1.0.0' }));
    form.append('tarball', new Blob([randomBytes(10)]), 'pkg.tgz');
    const pkg = await fetch(`${doors.url}/api/packages/publish`, { method: 'POST', body: form, headers: { authorization: `Bearer ${read}` } });
    assert.deepEqual([pkg.status, ((await pkg.json()) as any).error.code], [403, 'FORBIDDEN']);
    const oci = await pushBlob(doors.url, 'acme/scoped', blobOf(randomBytes(10)), read);
    assert.equal(oci.status, 403);
    assert.match(await oci.text(), /"code":"DENIED".*scope read, which does not push/);
    assert.equal((await pushBlob(doors.url, 'acme/scoped', blobOf(randomBytes(10)), publish)).status, 201, 'publish pushes on the OCI API');
    // A read token manages no tokens.
    assert.equal((await tokens(`Bearer ${read}`, {})).status, 403);
  });

  test('a revoked token is refused everywhere from then on', async () => {
    const alice = await loginHeader(doors.t.keys.alice, doors.t.gateway.service);
    const { id, token } = await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['publish'], 'leaked');
    assert.equal((await firmware(token, 'revocable')).status, 201);
    const revoked = await tokens(alice, { method: 'DELETE' }, `/api/tokens/${id}`);
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revokedAt);
    const again = await firmware(token, 'revocable', '1.0.1');
    assert.equal(again.status, 401);
    assert.match(await again.text(), /"leaked" was revoked at/);
    assert.equal((await fetch(`${doors.url}/firmware`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
    const oci = await pushBlob(doors.url, 'acme/revocable', blobOf(randomBytes(10)), token);
    assert.equal(oci.status, 401);
    assert.match(oci.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    const { digest } = await doors.t.gateway.gateway.context.chain.tagWithClaim({ full: 'acme/revocable', repo: 'acme', image: 'revocable' }, '1.0.1');
    assert.equal(digest, undefined);
  });

  test('an admin token of one account cannot touch another account\'s space or tokens; membership, not the token, decides', async () => {
    const bob = await loginHeader(doors.t.keys.bob, doors.t.gateway.service);
    const aliceAdmin = (await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['admin'], 'admin')).token;
    const bobsToken = await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.bob, ['publish'], 'bob-ci');
    // The admin token mints for its own account only.
    const minted = await tokens(`Bearer ${aliceAdmin}`, { method: 'POST', body: JSON.stringify({ name: 'from-admin', scopes: ['read'] }) });
    assert.equal(minted.status, 201);
    assert.equal(minted.body.account, doors.t.keys.alice.address);
    assert.match(minted.body.createdBy, /^token:[0-9a-f]{16}$/);
    const foreign = await tokens(`Bearer ${aliceAdmin}`, { method: 'DELETE' }, `/api/tokens/${bobsToken.id}`);
    assert.deepEqual([foreign.status, foreign.body.error.code], [403, 'FORBIDDEN']);
    assert.match(foreign.body.error.message, /belongs to another account/);
    assert.ok(!(await tokens(`Bearer ${aliceAdmin}`, {})).body.tokens.some((t: any) => t.id === bobsToken.id), 'Bob\'s tokens are not listed to Alice');
    assert.equal((await tokens(bob, {})).body.tokens[0].revokedAt, null, 'Bob\'s token stands');
    // Publishing into Bob's space: refused by the push policy, whatever the scope.
    const intoBob = await firmware(aliceAdmin, 'bobspace/firmware');
    assert.equal(intoBob.status, 403);
    assert.match(await intoBob.text(), /neither the owner nor a member of space "bobspace"/);
    assert.equal((await pushBlob(doors.url, 'bobspace/firmware', blobOf(randomBytes(10)), aliceAdmin)).status, 403);
    // Bob's token reaches acme once Alice makes Bob a member, and not before.
    assert.equal((await firmware(bobsToken.token, 'acme/from-bob')).status, 403);
    const acme = (await doors.t.gateway.gateway.context.chain.claim('acme'))!.owner.id;
    await submitTx(doors.t.chain.api, addSpaceMember(doors.t.chain.api, acme, doors.t.keys.bob.address), doors.t.keys.alice);
    assert.equal((await firmware(bobsToken.token, 'acme/from-bob')).status, 201);
  });
});
