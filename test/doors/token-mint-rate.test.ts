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
    // The bucket refills one mint a second, so on a slow machine a few more than the burst may pass
    // before the refusal: the count allowed is bounded by the burst plus the seconds the loop took.
    const burst = DEFAULT_MINTS_PER_IP.burst ?? DEFAULT_MINTS_PER_IP.perMinute;
    const refillPerSecond = DEFAULT_MINTS_PER_IP.perMinute / 60;
    const started = Date.now();
    let passed = 0;
    let refused: Response | undefined;
    while (passed < burst + 60) {
      const answer = await mint();
      if (answer.status !== 401) {
        refused = answer;
        break;
      }
      await answer.body?.cancel();
      passed++;
    }
    const seconds = (Date.now() - started) / 1000;
    assert.ok(refused, `${passed} mints in ${seconds.toFixed(1)} s were all let through to the credential check`);
    assert.equal(refused.status, 429, await refused.clone().text());
    assert.ok(passed >= burst, `refused after ${passed} mints, before the burst of ${burst}`);
    assert.ok(passed <= burst + Math.ceil(seconds * refillPerSecond) + 1, `${passed} mints passed in ${seconds.toFixed(1)} s, more than the burst and the refill allow`);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'TOO_MANY_REQUESTS');
    assert.match(error.message, /too many API tokens minted from \S+: at most 60 a minute \(bursts of 60\); retry in \d+ s/);
  });
});
