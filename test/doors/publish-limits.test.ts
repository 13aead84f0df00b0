// Each publish is a chain transaction the gateway's key pays for, so an account's publishes are
// limited (the gateway's `artifacts.publishLimit`): past the limit a door answers 429 with
// Retry-After, in its own style, before a byte is stored. The doors' uploads also count against
// the gateway's upload limits (per IP, at once), and a file past `artifacts.maxFileBytes` is
// refused with 413 and nothing kept.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { startSlowPackagePublish } from './helpers/slow-publish';

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

describe('upload limits on the doors', () => {
  let t: TestGateway;
  const form = (metadata: object, part: string, bytes: Buffer) => {
    const body = new FormData();
    body.append('metadata', JSON.stringify(metadata));
    body.append(part, new Blob([bytes]), 'file.bin');
    return body;
  };
  const answer = async (response: Response) => ({ status: response.status, retryAfter: response.headers.get('retry-after'), type: response.headers.get('content-type') ?? '', body: await response.text() });
  const firmware = async (version: string, bytes: Buffer) => answer(await fetch(`${t.url}/firmware`, { method: 'POST', body: form({ name: 'bounded', version }, 'firmware', bytes) }));
  const sessions = () => readdirSync(join(t.dataDir, 'gateway', 'uploads'));

  before(async () => {
    t = await startTestGateway({
      artifacts: { defaultSpace: 'acme', indexWaitMs: 0, maxFileBytes: 4096 },
      limits: { uploads: { perIp: { perMinute: 1, burst: 4 }, concurrentPerAccount: 1 } },
    });
  });
  after(async () => {
    await t?.close();
  });

  test('a file past maxFileBytes is refused with 413 naming the bound, and nothing is kept', async () => {
    const refused = await firmware('1.0.0', randomBytes(100_000));
    assert.equal(refused.status, 413, refused.body);
    assert.match(refused.type, /^text\/plain/);
    assert.match(refused.body, /the firmware binary is larger than 4096 bytes, the most this gateway accepts \(its operator sets the bound: gateway\.limits\.artifacts\.maxFileBytes\); nothing was stored/);
    assert.deepEqual(sessions(), [], 'no upload session is left behind');
    const { digest } = await t.gateway.gateway.context.chain.tagWithClaim({ full: 'acme/bounded', repo: 'acme', image: 'bounded' }, '1.0.0');
    assert.equal(digest, undefined);
    assert.equal((await firmware('1.0.0', randomBytes(4096))).status, 201, 'a file of exactly the bound is taken');
  });

  test('one upload at a time per client: a second one meanwhile gets 429 in the door\'s style', async () => {
    // A package publish whose body is still arriving holds the one upload slot.
    const first = startSlowPackagePublish(t.url);
    try {
      // Until the gateway has taken the first request, a second one could still pass.
      const deadline = Date.now() + 10_000;
      let second = await answer(await fetch(`${t.url}/api/packages/publish`, { method: 'POST', body: form({ name: 'acme/other', version: '1.0.0' }, 'tarball', randomBytes(10)) }));
      while (second.status !== 429 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        second = await answer(await fetch(`${t.url}/api/packages/publish`, { method: 'POST', body: form({ name: 'acme/other', version: `1.0.${Date.now() % 1000}` }, 'tarball', randomBytes(10)) }));
      }
      assert.equal(second.status, 429, second.body);
      assert.match(second.type, /^application\/json/);
      const error = JSON.parse(second.body).error;
      assert.equal(error.code, 'TOO_MANY_REQUESTS');
      assert.match(error.message, /already sends 1 uploads at once, the most allowed/);
      assert.equal(second.retryAfter, '1');
    } finally {
      await (await first.finish()).text();
    }
  });

  test('the doors\' uploads count against the per-IP upload limit, refused in plain text for firmware', async () => {
    let refused: Awaited<ReturnType<typeof firmware>> | undefined;
    for (let i = 0; i < 6 && !refused; i++) {
      const result = await firmware(`2.0.${i}`, randomBytes(10));
      if (result.status === 429) refused = result;
    }
    assert.ok(refused, 'the per-IP upload limit never answered 429');
    assert.match(refused.type, /^text\/plain/);
    assert.match(refused.body, /too many upload requests from .*: at most 1 a minute \(bursts of 4\); retry in \d+ s/);
    assert.ok(Number(refused.retryAfter) > 0);
  });
});
