// GET /api/packages/{name}/resolve asks the index to resolve a version range, as a listing does,
// and anyone may send it: it was not counted by the doors' bound on listings, so one client could
// ask it as often as it liked. It now counts (gateway.limits.listings) with the other listings,
// and so does a package download by a range or `latest`, which asks the index the same query. A
// download by exact version is a pull and is not counted, even when the client's listings are
// spent. The index here holds every listing's query until the test lets it go, as a slow one would.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { type HeldIndex, startHeldIndex } from './helpers/held-index';

const LIMITS = { perIp: { perMinute: 1, burst: 3 }, concurrentPerIp: 2 };

describe('package version ranges under the listing bound', () => {
  let index: HeldIndex;
  let t: TestGateway;

  before(async () => {
    index = await startHeldIndex();
    t = await startTestGateway({ index: index.url, artifacts: { defaultSpace: 'acme' }, limits: { listings: LIMITS } });
  });
  after(async () => {
    await t?.close();
    await index?.close();
  });

  const from = (path: string, client: string) => fetch(`${t.url}${path}`, { headers: { 'x-forwarded-for': client } });
  const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

  test('past the rate, resolves and range downloads get 429 with Retry-After naming gateway.limits.listings.perIp; exact downloads are not counted', async () => {
    index.holding = false;
    const client = '198.51.100.70';
    for (let i = 0; i < LIMITS.perIp.burst; i++) {
      const answered = await from('/api/packages/acme/sensor/resolve?range=%5E1.0.0', client);
      assert.equal(answered.status, 404, 'the index was asked and has no such version');
      assert.equal((await errorOf(answered)).code, 'NO_MATCH');
    }
    const refused = await from('/api/packages/acme/sensor/resolve?range=%5E1.0.0', client);
    assert.equal(refused.status, 429, 'a resolve past the listing rate was answered');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, `Retry-After: ${refused.headers.get('retry-after')}`);
    const error = await errorOf(refused);
    assert.equal(error.code, 'TOO_MANY_REQUESTS');
    assert.match(error.message, /too many listings and searches from 198\.51\.100\.70: at most 1 a minute \(bursts of 3\); retry in \d+ s; gateway\.limits\.listings\.perIp in the configuration file raises it/);

    for (const range of ['latest', '%5E1.0.0']) {
      const download = await from(`/api/packages/acme/sensor/${range}/download`, client);
      assert.equal(download.status, 429, `a download of ${range} resolved its range past the bound`);
      assert.ok(Number(download.headers.get('retry-after')) >= 1);
    }
    const exact = await from('/api/packages/acme/sensor/1.0.0/download', client);
    assert.notEqual(exact.status, 429, 'a download of an exact version is a pull, not a listing');
    assert.equal((await from('/api/packages/acme/sensor/resolve', '198.51.100.71')).status, 404, 'another client has its own allowance');
  });

  test('resolves in progress take places among the client\'s listings at once', async () => {
    index.holding = true;
    const client = '198.51.100.80';
    const first = from('/api/packages/acme/sensor/resolve?range=1.x', client);
    const second = from('/api/packages/acme/sensor/latest/download', client);
    await index.waitForPending(2);
    const refused = await from('/api/packages/acme/sensor/resolve?range=2.x', client);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.match((await errorOf(refused)).message, /198\.51\.100\.80 already has 2 listings or searches in progress/);
    assert.equal(index.pending, 2, 'a refused resolve asked the index');
    index.holding = false;
    index.release();
    assert.equal((await first).status, 404);
    assert.equal((await second).status, 404);
  });
});
