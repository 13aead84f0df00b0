// boundedMap (src/gateway/bounded-map.ts): a manifest's reference checks run a few at a time,
// in parallel, with results in the manifest's order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { boundedMap } from '../../src/gateway/bounded-map';

describe('boundedMap', () => {
  it('keeps the input order whatever order the calls finish in', async () => {
    const waits = [30, 5, 20, 1, 10, 0, 25];
    const results = await boundedMap(waits, 3, async (ms, index) => {
      await delay(ms);
      return `${index}:${ms}`;
    });
    assert.deepEqual(results, waits.map((ms, index) => `${index}:${ms}`));
  });

  it('never has more than the limit in flight, and does use the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    await boundedMap(Array.from({ length: 20 }, (_v, i) => i), 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await delay(i % 3);
      inFlight--;
    });
    assert.equal(peak, 4);
  });

  it('rejects with the first failure and starts no call after it', async () => {
    const started: number[] = [];
    await assert.rejects(
      boundedMap(Array.from({ length: 10 }, (_v, i) => i), 2, async (i) => {
        started.push(i);
        await delay(5);
        if (i === 1) throw new Error('check 1 failed');
        return i;
      }),
      /check 1 failed/,
    );
    await delay(30);
    // Calls 0 and 1 ran together; 2 started when 0 finished; none started once 1 failed.
    assert.deepEqual(started, [0, 1, 2]);
  });

  it('answers an empty list without calling', async () => {
    assert.deepEqual(await boundedMap([], 8, async () => assert.fail('called')), []);
  });
});
