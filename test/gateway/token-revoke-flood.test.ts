// POST /token/revoke under attack: login tokens cost nothing to sign (any key, valid up to 30
// days), so a loop of logouts must not grow the login ledger without bound nor go unlimited, and a
// ledger that cannot be read must stop the start rather than forget the logouts in it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLoginToken } from '../../src/gateway';
import { LoginLedger } from '../../src/gateway/auth/login-ledger';
import { openLoginsAndTokens } from '../../src/gateway/auth/login-revocation';
import { ociErrors } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const ALICE = '5GrwvaDefr8GFAAsygQEw6wTT7Fg6JcGoy55ECRWPGoQ3xJV';
const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

describe('the login ledger under a flood of logouts', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-revoke-flood-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a login revoked 1,000 times once, and it stays revoked after a restart', () => {
    const file = join(dir, 'once', 'login-nonces.log');
    const ledger = new LoginLedger(file);
    const expires = new Date(Date.now() + 3_600_000);
    let told = 0;
    ledger.onRevoked(() => told++);
    for (let i = 0; i < 1000; i++) ledger.revoke(ALICE, 'n1', expires);
    assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n'), [`revoked ${ALICE}:n1 ${expires.getTime()}`]);
    assert.equal(told, 1000, 'a logout sent again still tells the listeners (to finish a failed cascade)');
    assert.equal(new LoginLedger(file).isRevoked(ALICE, 'n1'), true);
  });

  it('reads a log of many chunks line by line, keeping every revocation in it', () => {
    const file = join(dir, 'big', 'login-nonces.log');
    mkdirSync(join(dir, 'big'));
    const expires = Date.now() + 3_600_000;
    // ~2.5 MiB: several of the reader's chunks, lines cut across their edges.
    const lines = Array.from({ length: 30_000 }, (_, i) => `${i % 2 ? 'used' : 'revoked'} ${ALICE}:nonce-${i}-${'x'.repeat(i % 37)} ${expires}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const ledger = new LoginLedger(file);
    for (const i of [0, 2, 14_998, 29_998]) assert.equal(ledger.isRevoked(ALICE, `nonce-${i}-${'x'.repeat(i % 37)}`), true, `nonce ${i}`);
    assert.equal(ledger.isRevoked(ALICE, `nonce-1-${'x'}`), false);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, lines.length, 'compaction kept every live line');
  });

  it('refuses to open a ledger that cannot be read, naming the file and the fix', () => {
    const gatewayDir = join(dir, 'unreadable');
    mkdirSync(join(gatewayDir, 'login-nonces.log'), { recursive: true });
    assert.throws(() => openLoginsAndTokens(gatewayDir, () => undefined), (error: Error) => {
      assert.match(error.message, /login-nonces\.log cannot be read \(it is a directory, not a file\)/);
      assert.match(error.message, /logins revoked by logout/);
      assert.match(error.message, /readable regular file|move it away/);
      return true;
    });
  });
});

describe('POST /token/revoke', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  it('is limited per client with /token, 429 past the burst', async () => {
    const replica = await t.startReplica({ limits: { token: { perIp: { perMinute: 6, burst: 3 } } }, auth: {} });
    const login = await createLoginToken(t.keys.alice, replica.service);
    const revoke = (ip: string) => fetch(`${replica.url}/token/revoke`, { method: 'POST', headers: { 'X-Forwarded-For': ip, Authorization: basic(t.keys.alice.address, login) } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await revoke('203.0.113.9')).status);
    assert.deepEqual(statuses, [204, 204, 204, 429, 429]);
    const refused = await revoke('203.0.113.9');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.match((await ociErrors(refused))[0].message, /too many token requests from 203\.0\.113\.9/);
    // /token shares the bucket: a client that spent it on logouts gets no login tokens either.
    assert.equal((await fetch(`${replica.url}/token`, { headers: { 'X-Forwarded-For': '203.0.113.9' } })).status, 429);
    assert.equal((await revoke('203.0.113.10')).status, 204, 'another client has its own allowance');
  });

  it('is limited per account once revocations are recorded for it', async () => {
    const replica = await t.startReplica({ limits: { token: { perAccount: { perMinute: 1, burst: 2 } } }, auth: {} });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const login = await createLoginToken(t.keys.bob, replica.service);
      statuses.push((await fetch(`${replica.url}/token/revoke`, { method: 'POST', headers: { 'X-Forwarded-For': `198.51.100.${i + 1}`, Authorization: basic(t.keys.bob.address, login) } })).status);
    }
    assert.deepEqual(statuses, [204, 204, 429]);
    const login = await createLoginToken(t.keys.bob, replica.service);
    const refused = await fetch(`${replica.url}/token/revoke`, { method: 'POST', headers: { 'X-Forwarded-For': '198.51.100.9', Authorization: basic(t.keys.bob.address, login) } });
    assert.equal(refused.status, 429);
    assert.match((await ociErrors(refused))[0].message, new RegExp(`too many logins revoked for ${t.keys.bob.address}: at most 1 a minute`));
  });

  it('a gateway whose login ledger cannot be read does not start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hcr-revoke-start-'));
    try {
      mkdirSync(join(dataDir, 'gateway', 'login-nonces.log'), { recursive: true });
      await assert.rejects(t.startReplica({ dataDir, auth: {} }), /login-nonces\.log cannot be read \(it is a directory, not a file\)/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
