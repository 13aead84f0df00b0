// A read whose client hangs up part-way: how long the read goes on after, to show that a hang-up
// ends a wait (a busy peer's Retry-After, a lookup) at once rather than when it runs out.
import assert from 'node:assert/strict';

/** Starts `read`, hangs up 300 ms in (checking it still waits), and resolves with how long the read went on after. */
export async function hangUpDuring(read: (signal: AbortSignal) => Promise<unknown>): Promise<number> {
  const client = new AbortController();
  let settled = false;
  const reading = read(client.signal).finally(() => (settled = true));
  reading.catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(settled, false, 'the read waits on the busy peer');
  const hungUp = performance.now();
  client.abort(new Error('the client hung up'));
  await assert.rejects(reading, /the client hung up/);
  return performance.now() - hungUp;
}
