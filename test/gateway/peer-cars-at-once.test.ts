// A burst of cold reads through one peer: this gateway asks it for at most 16 CARs at once (half
// the 32 a trustless gateway admits of one client), the rest queued in the order asked, so the
// burst does not meet the peer's bound in the first place. A request whose client hangs up while
// it is queued leaves the queue at once, never reaching the peer. A small HTTP peer that holds
// every CAR request open counts them.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CARS_AT_ONCE } from '../../src/gateway/peers/car-slots';
import { PeerClient } from '../../src/gateway/peers/peer-client';
import { rawBlock } from './helpers/dag';

const BURST = 40;

describe('CARs asked of one peer at once', () => {
  const held: http.ServerResponse[] = [];
  const arrived: string[] = [];
  let openNow = 0;
  let mostOpen = 0;
  let answering = false;
  const server = http.createServer((req, res) => {
    arrived.push(req.url!.split('?')[0]);
    openNow++;
    mostOpen = Math.max(mostOpen, openNow);
    res.on('close', () => openNow--);
    if (answering) res.writeHead(404).end();
    else held.push(res);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it(`asks for at most ${DEFAULT_CARS_AT_ONCE} at once, the rest in the order asked; a request whose client hangs up leaves the queue at once`, { timeout: 30_000 }, async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const peer = new PeerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const cids = await Promise.all(Array.from({ length: BURST }, (_, i) => rawBlock(new Uint8Array([i])).then((block) => block.cid)));
    const gone = new AbortController();
    const cars = cids.map((cid, i) => peer.car(cid, i === BURST - 1 ? gone.signal : undefined));
    const hungUp = cars[BURST - 1].then(
      () => assert.fail('a request whose client hung up was sent'),
      (error: Error) => assert.match(error.message, /hung up/),
    );
    // Time for every request that was going to go out to reach the peer.
    for (let waited = 0; held.length < DEFAULT_CARS_AT_ONCE && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(mostOpen, DEFAULT_CARS_AT_ONCE, `the peer had ${mostOpen} CAR requests open at once`);
    gone.abort(new Error('the client hung up'));
    await hungUp;
    const paths = cids.slice(0, -1).map((cid) => `/ipfs/${cid}`);
    // The first places went out together (their connections may land in any order).
    assert.deepEqual([...arrived].sort(), paths.slice(0, DEFAULT_CARS_AT_ONCE).sort());
    // The peer answers one at a time: each place freed goes to the request asked next.
    while (arrived.length < paths.length) {
      const before = arrived.length;
      held.shift()!.writeHead(404).end();
      for (let waited = 0; arrived.length === before && waited < 5_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(arrived.at(-1), paths[before], `request ${before} went out out of turn`);
    }
    answering = true;
    for (const res of held.splice(0)) res.writeHead(404).end();
    assert.deepEqual(await Promise.all(cars.slice(0, -1)), Array(BURST - 1).fill(undefined));
    assert.equal(mostOpen, DEFAULT_CARS_AT_ONCE, `the peer had ${mostOpen} CAR requests open at once`);
  });
});
