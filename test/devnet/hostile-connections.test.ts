// Many connections at once must not exhaust the dev chain: WebSocket connections hold
// subscriptions that every block walks, so their number is bounded as on a node (100 by
// default) and one more is refused with HTTP 503; HTTP bodies held while being read share one
// byte budget, past which a request is refused with 503 (-32009) instead of adding to memory.
import { request as httpRequest, type ClientRequest } from 'node:http';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { startDevnet, type Devnet } from '../../src/devnet/node';

let devnet: Devnet;

before(async () => {
  devnet = await startDevnet({ port: 0, manualSeal: true, rpcLimits: { maxConnections: 3, maxRequestBytes: 64 * 1024, maxBufferedRequestBytes: 256 * 1024 } });
});
after(async () => devnet.close());

/** Resolves with the open socket, or with the HTTP status the upgrade was refused with. */
function connect(): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(devnet.wsUrl);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('error', (error) => reject(error));
  });
}

test('connections beyond the limit are refused with 503; a closed one frees its place', async () => {
  const open: WebSocket[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const ws = await connect();
      assert.ok(ws instanceof WebSocket, `connection ${i} opens`);
      open.push(ws);
    }
    assert.equal(await connect(), 503);

    const reply = await fetch(devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"chain_getHead"}' });
    assert.equal(reply.status, 200, 'HTTP is still served');

    open.shift()!.terminate();
    let again: WebSocket | number = 0;
    for (let i = 0; i < 100 && !(again instanceof WebSocket); i++) {
      await delay(50);
      again = await connect();
    }
    assert.ok(again instanceof WebSocket, 'a place freed by a closed connection can be taken');
    open.push(again);
  } finally {
    for (const ws of open) ws.terminate();
  }
});

/** A POST of exactly `size` bytes (a chain_getHead request padded with spaces), sent in part. */
function partialPost(size: number): { req: ClientRequest; body: Buffer; reply: Promise<{ status: number; json: any }> } {
  const json = '{"jsonrpc":"2.0","id":1,"method":"chain_getHead"}';
  const body = Buffer.from(json.padEnd(size, ' '));
  let req!: ClientRequest;
  const reply = new Promise<{ status: number; json: any }>((resolve, reject) => {
    req = httpRequest(devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(size) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
  });
  return { req, body, reply };
}

test('HTTP bodies held at once share a byte budget; one past it gets 503 and -32009', async () => {
  // Four bodies of 60,000 bytes held open (all but their last byte): 240,000 of 262,144 bytes.
  const held = Array.from({ length: 4 }, () => partialPost(60_000));
  for (const { req, body } of held) req.write(body.subarray(0, body.length - 1));
  await delay(500);
  const refused = partialPost(60_000);
  refused.req.end(refused.body);
  const answer = await refused.reply;
  assert.equal(answer.status, 503);
  assert.equal(answer.json.error.code, -32009);

  // The held ones finish and are answered; their bytes are given back.
  for (const { req, body } of held) req.end(body.subarray(body.length - 1));
  for (const { reply } of held) assert.equal((await reply).status, 200);
  const after = partialPost(60_000);
  after.req.end(after.body);
  assert.match((await after.reply).json.result, /^0x[0-9a-f]{64}$/);
});
