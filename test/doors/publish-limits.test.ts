// Each publish is a chain transaction the gateway's key pays for, so an account's publishes are
// limited (the gateway's `artifacts.publishLimit`): past the limit a door answers 429 with
// Retry-After, in its own style, before a byte is stored.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';

describe('publish limits', () => {
  let t: TestGateway;
  const upload = async (version: string) => {
    const form = new FormData();
    form.append('metadata', JSON.stringify({ name: 'limited', version }));
    form.append('firmware', new Blob([randomBytes(100)]), 'firmware.bin');
    const response = await fetch(`${t.url}/firmware`, { method: 'POST', body: form });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), type: response.headers.get('content-type') ?? '', body: await response.text() };
  };

  before(async () => {
    // No index and no waiting for one: the limit is all this test is about.
    t = await startTestGateway({ artifacts: { defaultSpace: 'acme', indexWaitMs: 0, publishLimit: { perMinute: 1, burst: 2 } } });
  });
  after(async () => {
    await t?.close();
  });

  test('the burst passes, the next publish gets 429 with Retry-After, and nothing of it is recorded', async () => {
    assert.equal((await upload('1.0.0')).status, 201);
    assert.equal((await upload('1.0.1')).status, 201);
    const refused = await upload('1.0.2');
    assert.equal(refused.status, 429);
    assert.match(refused.type, /^text\/plain/);
    assert.match(refused.body, /too many publishes: at most 1 a minute \(bursts of 2\).*retry in \d+ s/);
    assert.ok(Number(refused.retryAfter) > 0);
    const { digest } = await t.gateway.gateway.context.chain.tagWithClaim({ full: 'acme/limited', repo: 'acme', image: 'limited' }, '1.0.2');
    assert.equal(digest, undefined);
  });
});
