// Accounts cost nothing (any key signs a login), so a bound on tokens per account does not bound
// the token file: one client may mint at most 60 API tokens a minute, whoever it signs in as,
// and past that POST /api/tokens answers 429 with Retry-After, before any credential is checked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MINTS_PER_IP } from '../../src/gateway/auth/mint-rate';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';

describe('minting API tokens from one client', () => {
  let t: TestGateway;

  before(async () => {
    t = await startTestGateway({ auth: { enabled: true } });
  });
  after(() => t?.close());

  const mint = () => fetch(`${t.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'flood', scopes: ['read'] }) });

  test(`is refused past ${DEFAULT_MINTS_PER_IP.perMinute} a minute with 429 and Retry-After, failed attempts counted`, async () => {
    for (let i = 0; i < (DEFAULT_MINTS_PER_IP.burst ?? DEFAULT_MINTS_PER_IP.perMinute); i++) {
      const answer = await mint();
      assert.equal(answer.status, 401, await answer.text());
    }
    const refused = await mint();
    assert.equal(refused.status, 429, await refused.clone().text());
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'TOO_MANY_REQUESTS');
    assert.match(error.message, /too many API tokens minted from \S+: at most 60 a minute \(bursts of 60\); retry in \d+ s/);
  });
});
