// Revoking a login revokes the API tokens it minted (and theirs) as soon as the gateway's login
// ledger and token file are opened: the link is made where both are created, not by the token
// routes, so anything that mints with a login or revokes one works on a linked pair.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openLoginsAndTokens } from '../../src/gateway/auth/login-revocation';

const ALICE = '5GrwvaDefr8GFAAsygQEw6wTT7Fg6JcGoy55ECRWPGoQ3xJV';
const LEAKED = 'a'.repeat(32);
const OTHER = 'b'.repeat(32);

describe('the login ledger and the API tokens, as opened together', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-login-link-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('revoking a login revokes what it minted and what those minted, with no route mounted; another login\'s tokens stay', () => {
    const logs: string[] = [];
    const { logins, apiTokens } = openLoginsAndTokens(dir, (line) => logs.push(line));
    const viaLogin = apiTokens.create(ALICE, { name: 'via-login', scopes: ['admin'], ttlSeconds: 3600, createdBy: 'login', loginNonce: LEAKED });
    const viaToken = apiTokens.create(ALICE, { name: 'via-its-token', scopes: ['read'], ttlSeconds: 3600, createdBy: `token:${viaLogin.info.id}` });
    const viaOther = apiTokens.create(ALICE, { name: 'via-other-login', scopes: ['read'], ttlSeconds: 3600, createdBy: 'login', loginNonce: OTHER });

    logins.revoke(ALICE, LEAKED, new Date(Date.now() + 3_600_000));

    assert.throws(() => apiTokens.verify(viaLogin.token), /"via-login" was revoked at \S+ with the login it was minted with \(logged out\)/);
    assert.throws(() => apiTokens.verify(viaToken.token), /"via-its-token" was revoked at \S+ with the token "via-login"/);
    assert.equal(apiTokens.verify(viaOther.token).name, 'via-other-login');
    assert.match(logs.join('\n'), /api tokens: 2 token\(s\) of 5Grw\S+ revoked with the login that minted them/);
    // What the ledger and the file recorded holds for whoever opens them next.
    const reopened = openLoginsAndTokens(dir, () => undefined);
    assert.equal(reopened.logins.isRevoked(ALICE, LEAKED), true);
    assert.throws(() => reopened.apiTokens.verify(viaLogin.token), /was revoked/);
  });
});
