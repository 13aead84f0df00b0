// A walk over a Kubo store whose reader leaves (a client hung up on a CAR) must not leave its
// block/get open at Kubo until the lookup times out: the request is cancelled with the walk.
// The stand-in in front of the node holds every block/get unanswered and counts those still open.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type StoreBehindProxy, storeBehindProxy } from './helpers/kubo-proxy';

describe('Kubo store: an aborted walk', () => {
  let kubo: StoreBehindProxy;
  let hold = false;
  let open = 0;

  before(async () => {
    kubo = await storeBehindProxy(Buffer.from('the bytes of a layer a client hangs up on'), (req: IncomingMessage, res: ServerResponse) => {
      if (!hold || !req.url?.startsWith('/api/v0/block/get')) return false;
      open += 1;
      res.on('close', () => (open -= 1));
      return true;
    });
  });
  after(() => kubo?.close());

  it('closes the pending block/get request to Kubo promptly, not at its lookup timeout', async () => {
    hold = true;
    const controller = new AbortController();
    const walk = (async () => {
      for await (const _ of kubo.store.blocks(kubo.cid, { signal: controller.signal })) continue;
    })();
    const settled = walk.then(() => 'ended', (error: Error) => error);
    await until(() => open === 1, 'the block/get to reach the stand-in');
    controller.abort(new Error('the client hung up'));
    const error = await settled;
    assert.match(`${error}`, /the client hung up/);
    // The lookup timeout is 5 s (storeBehindProxy): without the signal the request stays open that long.
    await until(() => open === 0, 'the block/get request to be closed');
  });
});

async function until(done: () => boolean, what: string, ms = 1_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) assert.fail(`waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
