// A gateway that sends its answer a byte at a time never goes quiet long enough to count as
// stalled; `hcr` must still give up on it, after a bound on the whole answer, and say so.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import { answerTiming, errorAnswerText, jsonAnswer } from '../../src/cli/bounded-answer';

let server: Server;
let url: string;
const boundBefore = answerTiming.ms;

before(async () => {
  server = createServer((req, res) => {
    res.writeHead(req.url === '/error' ? 500 : 200, { 'content-type': 'application/json' });
    if (req.url === '/whole') return res.end('{"tokens":[]}');
    // A byte every 50 ms, for ever: never 30 s without one.
    res.write('{');
    const drip = setInterval(() => res.write(' '), 50);
    res.on('close', () => clearInterval(drip));
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});
afterEach(() => {
  answerTiming.ms = boundBefore;
});

test('a JSON answer still dripping in after the bound is given up on, saying so', async () => {
  answerTiming.ms = 800;
  const started = Date.now();
  await assert.rejects(jsonAnswer(await fetch(`${url}/drip`)), /the gateway at http:\/\/127\.0\.0\.1:\d+ was still sending its answer after 0\.8 s, far longer than any answer takes/);
  // The drip alone would go on for ever; the bound, not the stall limit (30 s), ended it.
  assert.ok(Date.now() - started < 10_000, `gave up after ${Date.now() - started} ms`);
});

test('an error answer dripping in is given up on too, and a whole answer is read as before', async () => {
  answerTiming.ms = 800;
  assert.equal(await errorAnswerText(await fetch(`${url}/error`)), '');
  assert.deepEqual(await jsonAnswer(await fetch(`${url}/whole`)), { tokens: [] });
});
