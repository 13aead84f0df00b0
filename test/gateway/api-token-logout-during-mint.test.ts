// POST /api/tokens with a login that another gateway on the same data dir logs out while the mint
// is under way (after the route found the login valid): answered 401, as a login logged out before
// would be, and no token of that login works, whether the logout came before the mint's look at
// the ledger under the token file's lock or between that look and the token's write.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLoginToken } from '../../src/gateway';
import { openLoginsAndTokens } from '../../src/gateway/auth/login-revocation';
import { basicCredentials } from '../../src/gateway/auth/token-service';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('a login logged out through another gateway while it mints a token', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ auth: { anonymousPull: false } });
  });
  after(async () => {
    await t?.close();
  });

  const BEFORE = 'after the route found the login valid, before the mint looked again under the lock';
  const DURING = 'after the mint\'s look under the lock, before its token was written';
  for (const when of [BEFORE, DURING]) {
    test(`logged out ${when}: 401, and nothing minted works`, async () => {
      const alice = t.keys.alice;
      const { apiTokens, logins } = t.gateway.gateway.context;
      // The other gateway on this data dir.
      const other = openLoginsAndTokens(join(t.dataDir, 'gateway'), () => undefined);
      let looks = 0;
      apiTokens.checkLoginsWith((address, nonce) => {
        looks++;
        if (when === BEFORE && looks === 1) other.logins.revoke(address, nonce, new Date(Date.now() + 600_000));
        const revoked = logins.isRevokedNow(address, nonce);
        if (when === DURING && looks === 1) other.logins.revoke(address, nonce, new Date(Date.now() + 600_000));
        return revoked;
      });
      try {
        const login = await createLoginToken(alice, t.gateway.service, { ttlSeconds: 600 });
        const name = when === BEFORE ? 'ci-before' : 'ci-during';
        const minted = await fetch(`${t.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicCredentials(alice.address, login) }, body: JSON.stringify({ name, scopes: ['publish'] }) });
        const body = (await minted.json()) as { token?: string; error?: { code: string; message: string } };
        assert.deepEqual([minted.status, body.error?.code, body.token], [401, 'UNAUTHORIZED', undefined], JSON.stringify(body));
        assert.match(body.error!.message, /revoked \(logged out\)/);
        const written = other.apiTokens.list(alice.address).filter((token) => token.name === name);
        if (when === BEFORE) assert.deepEqual(written, [], 'nothing written');
        else assert.deepEqual(written.map((token) => [Boolean(token.revokedAt), token.revokedWithLogin]), [[true, true]], 'written, and revoked with its login');
      } finally {
        apiTokens.checkLoginsWith((address, nonce) => logins.isRevokedNow(address, nonce));
      }
    });
  }
});
