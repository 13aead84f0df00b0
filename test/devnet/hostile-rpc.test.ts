// One hostile client must not take the dev chain's RPC endpoint down for everyone: batches and
// requests that ask for far more reply than they weigh, subscription and watched-key floods,
// clients that never read what they asked for, storage queries over huge ranges, long batches
// and long dev_newBlock runs, and runtime API names taken from Object.prototype all get a
// bounded answer, over real sockets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { startDevnet, type Devnet } from '../../src/devnet/node';
import { watchEventLoop } from '../helpers/event-loop-watch';

let devnet: Devnet;

before(async () => {
  devnet = await startDevnet({ port: 0, manualSeal: true, rpcLimits: { maxBufferedBytesPerConnection: 1024 * 1024 } });
});
after(async () => devnet.close());

async function post(body: string): Promise<{ status: number; json: any }> {
  const response = await fetch(devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

const request = (id: number, method: string, params: unknown[] = []) => ({ jsonrpc: '2.0', id, method, params });

async function assertStillServing(): Promise<void> {
  const { json } = await post(JSON.stringify(request(1, 'chain_getHead')));
  assert.match(json.result, /^0x[0-9a-f]{64}$/);
}

/** A raw WebSocket client that collects every reply. */
async function openSocket(): Promise<{ ws: WebSocket; replies: any[] }> {
  const ws = new WebSocket(devnet.wsUrl);
  const replies: any[] = [];
  ws.on('message', (data) => replies.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, replies };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(20);
  }
}

test('a batch whose replies would pass 15 MiB gets one -32011 error, not gigabytes of memory', async () => {
  // ~60 bytes per call, ~48 KB of metadata per reply: 1,000 calls ask for ~48 MB.
  const batch = JSON.stringify(Array.from({ length: 1000 }, (_, i) => request(i, 'state_getMetadata')));
  const { status, json } = await post(batch);
  assert.equal(status, 200);
  assert.equal(Array.isArray(json), false, 'one error for the whole batch');
  assert.equal(json.error.code, -32011);
  assert.match(json.error.message, /batch response was too large/);

  // The same over WebSocket; a small batch still works.
  const { ws, replies } = await openSocket();
  try {
    ws.send(batch);
    await until(() => replies.length === 1, 'the batch error over WebSocket');
    assert.equal(replies[0].error.code, -32011);
    ws.send(JSON.stringify([request(1, 'state_getMetadata'), request(2, 'chain_getHead')]));
    await until(() => replies.length === 2, 'a small batch reply');
    assert.equal(replies[1].length, 2);
  } finally {
    ws.terminate();
  }
  await assertStillServing();
});

test('one small request asking for a reply above 15 MiB gets -32008 instead', async () => {
  // 600 KB of heights ask for 300,000 block hashes: ~21 MB of reply.
  const { json } = await post(JSON.stringify(request(7, 'chain_getBlockHash', [new Array(300_000).fill(0)])));
  assert.equal(json.id, 7);
  assert.equal(json.error?.code, -32008, JSON.stringify(json).slice(0, 200));
  assert.match(json.error.message, /Response is too big/);
  const fine = await post(JSON.stringify(request(8, 'chain_getBlockHash', [[0, 0]])));
  assert.equal(fine.json.result.length, 2);
  await assertStillServing();
});

test('one socket cannot open more than 1024 subscriptions; closing it frees them all', async () => {
  const baseline = devnet.chain.listenerCount('bestChanged');
  const { ws, replies } = await openSocket();
  try {
    ws.send(JSON.stringify(Array.from({ length: 1030 }, (_, i) => request(i, 'chain_subscribeNewHeads'))));
    await until(() => replies.some(Array.isArray), 'the batch reply');
    const batch: any[] = replies.find(Array.isArray) ?? [];
    const opened = batch.filter((reply) => typeof reply.result === 'string');
    const refused = batch.filter((reply) => reply.error);
    assert.equal(opened.length, 1024);
    assert.equal(refused.length, 6);
    assert.equal(refused[0].error.code, -32006);
    assert.match(refused[0].error.message, /Too many subscriptions/);
    assert.equal(devnet.chain.listenerCount('bestChanged'), baseline + 1024);
  } finally {
    ws.terminate();
  }
  await until(() => devnet.chain.listenerCount('bestChanged') === baseline, 'subscriptions freed on close');
  await assertStillServing();
});

test('storage subscriptions of one socket watch at most 16,384 keys in all; unsubscribing frees them', async () => {
  const keys = (from: number) => Array.from({ length: 10_000 }, (_, i) => `0x${(from + i).toString(16).padStart(64, '0')}`);
  const baseline = devnet.chain.listenerCount('bestChanged');
  const { ws, replies } = await openSocket();
  const answer = async (id: number, method: string, params: unknown[]) => {
    ws.send(JSON.stringify(request(id, method, params)));
    await until(() => replies.some((reply) => reply.id === id), `reply ${id}`);
    return replies.find((reply) => reply.id === id);
  };
  try {
    const first = await answer(1, 'state_subscribeStorage', [keys(0)]);
    assert.equal(typeof first.result, 'string');
    const second = await answer(2, 'state_subscribeStorage', [keys(10_000)]);
    assert.equal(second.error?.code, -32006, JSON.stringify(second).slice(0, 200));
    assert.match(second.error.message, /Too many storage keys/);
    assert.equal((await answer(3, 'state_unsubscribeStorage', [first.result])).result, true);
    const third = await answer(4, 'state_subscribeStorage', [keys(20_000)]);
    assert.equal(typeof third.result, 'string');
  } finally {
    ws.terminate();
  }
  await until(() => devnet.chain.listenerCount('bestChanged') === baseline, 'subscriptions freed on close');
});

test('a client that never reads its replies is disconnected once 1 MiB waits for it', async () => {
  const baseline = devnet.chain.listenerCount('bestChanged');
  const { ws, replies } = await openSocket();
  try {
    ws.send(JSON.stringify(request(1, 'chain_subscribeNewHeads')));
    await until(() => replies.length >= 1, 'the subscription id');
    assert.equal(devnet.chain.listenerCount('bestChanged'), baseline + 1);
    // Stop reading (TCP fills up), then ask for ~19 MB of metadata.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < 400; i++) ws.send(JSON.stringify(request(100 + i, 'state_getMetadata')));
    // The server drops the connection, and with it the subscription.
    await until(() => devnet.chain.listenerCount('bestChanged') === baseline, 'the slow reader to be cut off');
  } finally {
    ws.terminate();
  }
  await assertStillServing();
});

test('state_queryStorage over too many keys × blocks is refused before doing the work', async () => {
  await post(JSON.stringify(request(1, 'dev_newBlock', [{ count: 20 }])));
  const genesis = (await post(JSON.stringify(request(1, 'chain_getBlockHash', [0])))).json.result;
  const keys = Array.from({ length: 60_000 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}`);
  const { json } = await post(JSON.stringify(request(1, 'state_queryStorage', [keys, genesis, null])));
  assert.equal(json.error?.code, -32602, JSON.stringify(json).slice(0, 200));
  assert.match(json.error.message, /keys × blocks/);
  // A reasonable range still answers.
  const small = await post(JSON.stringify(request(2, 'state_queryStorage', [keys.slice(0, 10), genesis, null])));
  assert.ok(Array.isArray(small.json.result));
  await assertStillServing();
});

test('a long batch shares the event loop: other clients and timers are not held up for its whole run', async () => {
  // 100,000 cheap calls (~12 MB of request, ~4 MB of reply) take seconds in all.
  const alice = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
  const batch = JSON.stringify(Array.from({ length: 100_000 }, (_, i) => request(i, 'system_accountNextIndex', [alice])));
  const stalls = watchEventLoop();
  let longestStall: number;
  try {
    const { json } = await post(batch);
    assert.equal(json.length, 100_000);
  } finally {
    longestStall = stalls.stop();
  }
  // Parsing the 12 MB message is one step (~0.5 s here); running all 100,000 calls in one go
  // took 7 s on the same machine.
  assert.ok(longestStall < 2000, `the event loop stalled for ${longestStall.toFixed(0)} ms`);
  await assertStillServing();
});

test('dev_newBlock of 10,000 blocks lets other clients in while it builds', async () => {
  const stalls = watchEventLoop();
  let longestStall: number;
  const before = devnet.chain.tree.best.number;
  try {
    const { json } = await post(JSON.stringify(request(1, 'dev_newBlock', [{ count: 10_000 }])));
    assert.equal(json.result, devnet.chain.tree.best.hash);
  } finally {
    longestStall = stalls.stop();
  }
  assert.equal(devnet.chain.tree.best.number, before + 10_000);
  // Built in one go, the 10,000 blocks held the event loop for about 3 s on the same machine.
  assert.ok(longestStall < 1000, `the event loop stalled for ${longestStall.toFixed(0)} ms`);
});

test('state_call of an Object.prototype name is an unknown runtime API, not made-up bytes', async () => {
  for (const name of ['constructor', 'toString', '__proto__']) {
    const { json } = await post(JSON.stringify(request(1, 'state_call', [name, '0x'])));
    assert.equal(json.error?.code, 4003, `${name}: ${JSON.stringify(json)}`);
    assert.match(json.error.message, /is not found/);
  }
});
