// Revoked and expired API tokens leave <data dir>/gateway/api-tokens.json after a while (30 days),
// and an account keeps its 100 most recently dead ones at most, so the file and each verification
// stop growing with every token ever minted; what verification answers never changes for it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiTokens } from '../../src/gateway/auth/api-tokens';
import { DEAD_TOKEN_RETENTION_DAYS, MAX_DEAD_TOKENS_PER_ACCOUNT } from '../../src/gateway/auth/token-pruning';

const ALICE = '5GrwvaDefr8GFAAsygQEw6wTT7Fg6JcGoy55ECRWPGoQ3xJV';
const BOB = '5FHneW46xGXgs5mUiveU4sbTmyTn2vjFv3CpsJ4VJycx7UAC';
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

describe('pruning the API token file', () => {
  let dir: string;
  let counter = 0;
  const fresh = () => join(dir, `tokens-${counter++}.json`);
  const stored = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { tokens: { id: string; name: string }[] }).tokens;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-token-pruning-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test(`tokens revoked or expired more than ${DEAD_TOKEN_RETENTION_DAYS} days ago leave the file at its next change; recent ones stay listed`, () => {
    const file = fresh();
    const tokens = new ApiTokens(file);
    const old = tokens.create(ALICE, { name: 'old-revoked', scopes: ['read'], createdBy: 'login', now: daysAgo(90) });
    tokens.revoke(ALICE, old.info.id, daysAgo(40));
    tokens.create(ALICE, { name: 'old-expired', scopes: ['read'], createdBy: 'login', ttlSeconds: 86_400, now: daysAgo(45) });
    const recent = tokens.create(ALICE, { name: 'recently-revoked', scopes: ['read'], createdBy: 'login', now: daysAgo(20) });
    tokens.revoke(ALICE, recent.info.id, daysAgo(5));
    const live = tokens.create(ALICE, { name: 'live', scopes: ['publish'], createdBy: 'login' });
    assert.deepEqual(stored(file).map((t) => t.name).sort(), ['live', 'recently-revoked']);
    assert.deepEqual(new ApiTokens(file).list(ALICE).map((t) => t.name).sort(), ['live', 'recently-revoked']);
    assert.equal(new ApiTokens(file).verify(live.token).name, 'live');
    // A pruned token is unknown, as it would be refused anyway.
    assert.throws(() => new ApiTokens(file).verify(old.token), /not known to this gateway/);
  });

  test(`an account keeps its ${MAX_DEAD_TOKENS_PER_ACCOUNT} most recently dead tokens, and another account's are not touched`, () => {
    const file = fresh();
    const tokens = new ApiTokens(file);
    const bobs = tokens.create(BOB, { name: 'bob-revoked', scopes: ['read'], createdBy: 'login', now: daysAgo(3) });
    tokens.revoke(BOB, bobs.info.id, daysAgo(2));
    for (let i = 0; i < MAX_DEAD_TOKENS_PER_ACCOUNT + 50; i++) {
      const minted = tokens.create(ALICE, { name: `churn-${i}`, scopes: ['read'], createdBy: 'login' });
      tokens.revoke(ALICE, minted.info.id, new Date(Date.now() - DAY + i * 1000));
    }
    const alices = new ApiTokens(file).list(ALICE);
    assert.equal(alices.length, MAX_DEAD_TOKENS_PER_ACCOUNT);
    assert.ok(alices.every((t) => Number(t.name.slice('churn-'.length)) >= 50), 'the most recently revoked are the ones kept');
    assert.deepEqual(new ApiTokens(file).list(BOB).map((t) => t.name), ['bob-revoked']);
    assert.equal(stored(file).length, MAX_DEAD_TOKENS_PER_ACCOUNT + 1);
  });

  test('expired tokens do not count against the tokens an account may have', () => {
    const file = fresh();
    const tokens = new ApiTokens(file);
    for (let i = 0; i < 100; i++) tokens.create(ALICE, { name: `short-${i}`, scopes: ['read'], createdBy: 'login', ttlSeconds: 60, now: daysAgo(1) });
    assert.equal(tokens.create(ALICE, { name: 'after-they-expired', scopes: ['read'], createdBy: 'login' }).info.name, 'after-they-expired');
    for (let i = 0; i < 99; i++) tokens.create(ALICE, { name: `live-${i}`, scopes: ['read'], createdBy: 'login' });
    assert.throws(() => tokens.create(ALICE, { name: 'one-too-many', scopes: ['read'], createdBy: 'login' }), /has 100 tokens that work already, the most one account may have: revoke some first/);
  });

  test('a dead minter of a kept token stays, so verification answers as before', () => {
    const file = fresh();
    const tokens = new ApiTokens(file);
    // As a file written before minted tokens expired with their minter holds them: the admin
    // token expired long ago, the token it minted did not.
    const admin = tokens.create(ALICE, { name: 'old-admin', scopes: ['admin'], createdBy: 'login', ttlSeconds: 86_400, now: daysAgo(60) });
    const child = tokens.create(ALICE, { name: 'old-child', scopes: ['read'], createdBy: `token:${admin.info.id}`, now: daysAgo(60) });
    const revokedAdmin = tokens.create(ALICE, { name: 'revoked-admin', scopes: ['admin'], createdBy: 'login', now: daysAgo(60) });
    const orphan = tokens.create(ALICE, { name: 'orphan', scopes: ['read'], createdBy: `token:${revokedAdmin.info.id}`, now: daysAgo(60) });
    const before = { child: new ApiTokens(file).verify(child.token).name };
    // Revoked alone, as a hand-edited file may hold it (revoke() would take the orphan along).
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { tokens: { id: string; revokedAt: string | null }[] };
    for (const token of saved.tokens) if (token.id === revokedAdmin.info.id) token.revokedAt = daysAgo(50).toISOString();
    writeFileSync(file, JSON.stringify(saved));
    const reader = new ApiTokens(file);
    reader.create(ALICE, { name: 'trigger', scopes: ['read'], createdBy: 'login' });
    assert.deepEqual(stored(file).map((t) => t.name).sort(), ['old-admin', 'old-child', 'orphan', 'revoked-admin', 'trigger']);
    assert.equal(new ApiTokens(file).verify(child.token).name, before.child);
    assert.throws(() => new ApiTokens(file).verify(orphan.token), /"orphan" was minted by the token "revoked-admin" \([0-9a-f]{16}\), which was revoked at/);
  });
});
