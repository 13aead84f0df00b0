import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { HttpProvider, WsProvider } from '@polkadot/api';
import { WebSocket } from 'ws';
import { startRpcServer } from '../../src/devnet/rpc/server';
import { RpcError, type RpcHandler, type RpcServer, type Subscription } from '../../src/devnet/rpc/types';

const LIMIT = 64 * 1024;
const live = new Map<string, Subscription>();
const closedSubscriptions: string[] = [];
const internalErrors: Array<{ method: string; error: unknown }> = [];

const methods = new Map<string, RpcHandler>([
  ['echo', (params) => params],
  ['slow', async (params) => {
    await delay(Number(params[0] ?? 50));
    return 'slow';
  }],
  ['boom', () => {
    throw new Error('secret internal detail');
  }],
  ['bigint', () => 1n],
  ['fail', () => {
    throw new RpcError(1010, 'Invalid Transaction', 'Inability to pay some fees');
  }],
  ['test_subscribe', (_params, connection) => {
    const subscription = connection.subscribe('test_notification', () => {
      live.delete(subscription.id);
      closedSubscriptions.push(subscription.id);
    });
    live.set(subscription.id, subscription);
    subscription.notify(1);
    subscription.notify(2);
    return subscription.id;
  }],
  ['test_subscribeThenFail', (_params, connection) => {
    const subscription = connection.subscribe('test_notification', () => closedSubscriptions.push(subscription.id));
    live.set(subscription.id, subscription);
    subscription.notify('never sent');
    throw new RpcError(1002, 'Verification Error');
  }],
  ['test_unsubscribe', (params, connection) => connection.unsubscribe(String(params[0]))],
]);

let server: RpcServer;
before(async () => {
  server = await startRpcServer({
    host: '127.0.0.1',
    port: 0,
    methods,
    maxRequestBytes: LIMIT,
    onInternalError: (method, error) => internalErrors.push({ method, error }),
  });
});
after(() => server.close());

interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(body: string | Buffer, init: { method?: string; path?: string; headers?: Record<string, string> } = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.httpUrl}${init.path ?? '/'}`,
      { method: init.method ?? 'POST', headers: { 'Content-Type': 'application/json', ...init.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(init.method === 'GET' || init.method === 'OPTIONS' ? undefined : body);
  });
}

async function post(payload: unknown): Promise<unknown> {
  const reply = await http(typeof payload === 'string' ? payload : JSON.stringify(payload));
  assert.equal(reply.status, 200);
  return JSON.parse(reply.body);
}

/** A raw `ws` client that records every frame with its type. */
class Client {
  readonly frames: Array<{ text: string; isBinary: boolean }> = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      this.frames.push({ text: data.toString(), isBinary });
      this.waiters.splice(0).forEach((wake) => wake());
    });
  }

  static async open(): Promise<Client> {
    const ws = new WebSocket(server.wsUrl);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Client(ws);
  }

  /** Waits for the next frame not yet taken. */
  private taken = 0;
  async next(): Promise<unknown> {
    while (this.frames.length <= this.taken) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no frame within 2s')), 2000);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const frame = this.frames[this.taken++];
    assert.equal(frame.isBinary, false, 'server frames must be text');
    return JSON.parse(frame.text);
  }

  async call(payload: unknown): Promise<unknown> {
    this.ws.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
    return this.next();
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise((resolve) => {
      this.ws.once('close', resolve);
      this.ws.close();
    });
  }
}

test('HTTP: single request echoes id and params', async () => {
  assert.deepEqual(await post({ jsonrpc: '2.0', id: 7, method: 'echo', params: [1, 'a'] }), {
    jsonrpc: '2.0',
    id: 7,
    result: [1, 'a'],
  });
  assert.deepEqual(await post({ jsonrpc: '2.0', id: '7', method: 'echo', params: [] }), { jsonrpc: '2.0', id: '7', result: [] });
  const reply = await http(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo' }));
  assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(reply.headers['access-control-allow-origin'], '*');
});

test('HTTP: batch replies keep each id with its type, concurrently', async () => {
  const started = Date.now();
  const reply = (await post([
    { jsonrpc: '2.0', id: 1, method: 'slow', params: [600] },
    { jsonrpc: '2.0', id: '1', method: 'slow', params: [600] },
    { jsonrpc: '2.0', method: 'echo', params: ['notification'] },
    { jsonrpc: '2.0', id: 3, method: 'nope' },
    { jsonrpc: '2.0', id: 4, method: 'fail' },
  ])) as Array<Record<string, unknown>>;
  // One after the other would take 1,200 ms; the margin is for a loaded machine.
  assert.ok(Date.now() - started < 1_190, `batch requests run concurrently (took ${Date.now() - started} ms)`);
  assert.equal(reply.length, 4, 'the notification gets no reply');
  assert.deepEqual(reply[0], { jsonrpc: '2.0', id: 1, result: 'slow' });
  assert.deepEqual(reply[1], { jsonrpc: '2.0', id: '1', result: 'slow' });
  assert.deepEqual(reply[2], { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'Method not found' } });
  assert.deepEqual(reply[3], {
    jsonrpc: '2.0',
    id: 4,
    error: { code: 1010, message: 'Invalid Transaction', data: 'Inability to pay some fees' },
  });
});

test('HTTP: notifications only get an empty reply', async () => {
  const reply = await http(JSON.stringify([{ jsonrpc: '2.0', method: 'echo' }]));
  assert.equal(reply.status, 204);
  assert.equal(reply.body, '');
});

test('HTTP: params normalisation', async () => {
  const results = (await post([
    { jsonrpc: '2.0', id: 1, method: 'echo' },
    { jsonrpc: '2.0', id: 2, method: 'echo', params: null },
    { jsonrpc: '2.0', id: 3, method: 'echo', params: [null] },
    { jsonrpc: '2.0', id: 4, method: 'echo', params: { at: '0x01' } },
    { jsonrpc: '2.0', id: 5, method: 'echo', params: 'bad' },
  ])) as Array<Record<string, unknown>>;
  assert.deepEqual(results.map((r) => r.result), [[], [], [null], [{ at: '0x01' }], undefined]);
  assert.equal((results[4].error as { code: number }).code, -32602);
});

test('HTTP: bad input gets JSON-RPC errors and the server keeps serving', async () => {
  assert.deepEqual(await post('{"jsonrpc":"2.0",'), { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
  const notObject = (await post('42')) as { id: unknown; error: { code: number } };
  assert.equal(notObject.id, null);
  assert.equal(notObject.error.code, -32600);
  const noMethod = (await post({ jsonrpc: '2.0', id: 9 })) as { id: unknown; error: { code: number } };
  assert.equal(noMethod.id, 9);
  assert.equal(noMethod.error.code, -32600);
  const empty = (await post([])) as { id: unknown; error: { code: number } };
  assert.equal(Array.isArray(empty), false);
  assert.equal(empty.error.code, -32600);
  const mixed = (await post([1, { jsonrpc: '2.0', id: 2, method: 'echo' }])) as Array<{ id: unknown; error?: { code: number } }>;
  assert.equal(mixed[0].error?.code, -32600);
  assert.equal(mixed[1].id, 2);

  internalErrors.length = 0;
  const boom = (await post({ jsonrpc: '2.0', id: 1, method: 'boom' })) as { error: { code: number; message: string } };
  assert.deepEqual(boom.error, { code: -32603, message: 'Internal error' });
  assert.equal(internalErrors.length, 1);
  assert.equal(internalErrors[0].method, 'boom');
  const bigint = (await post({ jsonrpc: '2.0', id: 1, method: 'bigint' })) as { error: { code: number } };
  assert.equal(bigint.error.code, -32603);

  assert.deepEqual(await post({ jsonrpc: '2.0', id: 1, method: 'echo', params: [1] }), { jsonrpc: '2.0', id: 1, result: [1] });
});

test('HTTP: oversized body gets 413 with a JSON-RPC error', async () => {
  const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: ['x'.repeat(LIMIT)] });
  const reply = await http(big);
  assert.equal(reply.status, 413);
  const body = JSON.parse(reply.body) as { id: unknown; error: { code: number; message: string; data: string } };
  assert.equal(body.id, null);
  assert.equal(body.error.code, -32007);
  assert.match(body.error.data, new RegExp(String(LIMIT)));
  assert.deepEqual(await post({ jsonrpc: '2.0', id: 2, method: 'echo' }), { jsonrpc: '2.0', id: 2, result: [] });
});

test('HTTP: subscriptions are refused with a pointer to WebSocket', async () => {
  const reply = (await post({ jsonrpc: '2.0', id: 1, method: 'test_subscribe' })) as { error: { code: number; message: string } };
  assert.equal(reply.error.code, -32601);
  assert.ok(reply.error.message.includes(server.wsUrl), reply.error.message);
});

test('HTTP: health, CORS preflight and wrong verbs', async () => {
  const health = await http('', { method: 'GET', path: '/health' });
  assert.equal(health.status, 200);
  assert.deepEqual(JSON.parse(health.body), { isSyncing: false, peers: 0, shouldHavePeers: false });

  const preflight = await http('', { method: 'OPTIONS', headers: { 'Access-Control-Request-Headers': 'content-type' } });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], '*');
  assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);

  const get = await http('', { method: 'GET', path: '/' });
  assert.equal(get.status, 405);
  assert.equal((JSON.parse(get.body) as { error: { code: number } }).error.code, -32600);
  const put = await http('{}', { method: 'PUT' });
  assert.equal(put.status, 405);
  const form = await http('a=1', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(form.status, 415);
});

test('WebSocket: requests, batches and ids over text frames', async () => {
  const client = await Client.open();
  try {
    assert.deepEqual(await client.call({ jsonrpc: '2.0', id: 1, method: 'echo', params: [1] }), { jsonrpc: '2.0', id: 1, result: [1] });
    assert.deepEqual(await client.call({ jsonrpc: '2.0', id: 'a', method: 'echo', params: [null] }), {
      jsonrpc: '2.0',
      id: 'a',
      result: [null],
    });
    const batch = (await client.call([
      { jsonrpc: '2.0', id: 2, method: 'echo', params: [2] },
      { jsonrpc: '2.0', id: '2', method: 'nope' },
    ])) as Array<{ id: unknown }>;
    assert.deepEqual(batch.map((r) => r.id), [2, '2']);

    // A binary frame is read as UTF-8 text; the reply still comes as text.
    client.ws.send(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'echo' })), { binary: true });
    assert.deepEqual(await client.next(), { jsonrpc: '2.0', id: 3, result: [] });

    // Sequential fast requests are answered in order.
    for (let id = 10; id < 20; id++) client.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'echo' }));
    const ids: unknown[] = [];
    for (let i = 0; i < 10; i++) ids.push(((await client.next()) as { id: unknown }).id);
    assert.deepEqual(ids, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    assert.ok(client.frames.every((frame) => !frame.isBinary));
  } finally {
    await client.close();
  }
});

test('WebSocket: bad input gets JSON-RPC errors on a surviving connection', async () => {
  const client = await Client.open();
  try {
    assert.deepEqual(await client.call('not json'), { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    assert.equal(((await client.call('"text"')) as { error: { code: number } }).error.code, -32600);
    assert.equal(((await client.call([])) as { error: { code: number } }).error.code, -32600);
    assert.deepEqual(await client.call({ jsonrpc: '2.0', id: 5, method: 'nope' }), {
      jsonrpc: '2.0',
      id: 5,
      error: { code: -32601, message: 'Method not found' },
    });
    const boom = (await client.call({ jsonrpc: '2.0', id: 6, method: 'boom' })) as { error: { message: string } };
    assert.equal(boom.error.message, 'Internal error');

    const oversized = (await client.call({ jsonrpc: '2.0', id: 7, method: 'echo', params: ['x'.repeat(LIMIT)] })) as {
      id: unknown;
      error: { code: number; data: string };
    };
    assert.equal(oversized.id, null);
    assert.equal(oversized.error.code, -32007);
    assert.match(oversized.error.data, new RegExp(String(LIMIT)));

    assert.equal(client.ws.readyState, WebSocket.OPEN);
    assert.deepEqual(await client.call({ jsonrpc: '2.0', id: 8, method: 'echo' }), { jsonrpc: '2.0', id: 8, result: [] });
  } finally {
    await client.close();
  }
});

test('WebSocket: subscription id comes before its first notifications; unsubscribe stops them', async () => {
  const client = await Client.open();
  try {
    const reply = (await client.call({ jsonrpc: '2.0', id: 1, method: 'test_subscribe', params: [] })) as { id: number; result: string };
    assert.equal(reply.id, 1);
    assert.match(reply.result, /^[0-9a-f]{16}$/);
    const subscriptionId = reply.result;
    for (const value of [1, 2]) {
      assert.deepEqual(await client.next(), {
        jsonrpc: '2.0',
        method: 'test_notification',
        params: { subscription: subscriptionId, result: value },
      });
    }
    const subscription = live.get(subscriptionId);
    assert.ok(subscription);
    subscription.notify({ later: true });
    assert.deepEqual(((await client.next()) as { params: unknown }).params, { subscription: subscriptionId, result: { later: true } });

    assert.deepEqual(await client.call({ jsonrpc: '2.0', id: 2, method: 'test_unsubscribe', params: [subscriptionId] }), {
      jsonrpc: '2.0',
      id: 2,
      result: true,
    });
    assert.equal(subscription.closed, true);
    assert.ok(closedSubscriptions.includes(subscriptionId));
    subscription.notify('after unsubscribe');
    assert.deepEqual(await client.call({ jsonrpc: '2.0', id: 3, method: 'test_unsubscribe', params: [subscriptionId] }), {
      jsonrpc: '2.0',
      id: 3,
      result: false,
    });
    assert.ok(!client.frames.some((frame) => frame.text.includes('after unsubscribe')));
  } finally {
    await client.close();
  }
});

test('WebSocket: subscriptions opened in a batch are announced first', async () => {
  const client = await Client.open();
  try {
    const batch = (await client.call([
      { jsonrpc: '2.0', id: 1, method: 'test_subscribe' },
      { jsonrpc: '2.0', id: 2, method: 'test_subscribe' },
    ])) as Array<{ result: string }>;
    assert.ok(Array.isArray(batch), 'the batch reply comes before any notification');
    const ids = batch.map((r) => r.result);
    assert.notEqual(ids[0], ids[1]);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) seen.push(((await client.next()) as { params: { subscription: string } }).params.subscription);
    assert.deepEqual(seen.sort(), [...ids, ...ids].sort());
  } finally {
    await client.close();
  }
});

test('WebSocket: a subscription opened by a failing request is dropped unannounced', async () => {
  const client = await Client.open();
  try {
    const before = new Set(live.keys());
    const reply = (await client.call({ jsonrpc: '2.0', id: 1, method: 'test_subscribeThenFail' })) as { error: { code: number } };
    assert.equal(reply.error.code, 1002);
    const [orphan] = [...live.keys()].filter((id) => !before.has(id));
    assert.ok(orphan);
    assert.equal(live.get(orphan)?.closed, true);
    assert.ok(closedSubscriptions.includes(orphan));
    assert.deepEqual(await client.call({ jsonrpc: '2.0', id: 2, method: 'echo' }), { jsonrpc: '2.0', id: 2, result: [] });
    assert.ok(!client.frames.some((frame) => frame.text.includes('never sent')));
  } finally {
    await client.close();
  }
});

test('WebSocket: disconnecting closes the connection’s subscriptions', async () => {
  const client = await Client.open();
  const reply = (await client.call({ jsonrpc: '2.0', id: 1, method: 'test_subscribe' })) as { result: string };
  const subscription = live.get(reply.result);
  assert.ok(subscription);
  await client.close();
  for (let i = 0; i < 50 && !subscription.closed; i++) await delay(10);
  assert.equal(subscription.closed, true);
  assert.ok(closedSubscriptions.includes(reply.result));
  assert.equal(live.has(reply.result), false);
});

test('@polkadot/api WsProvider: calls and subscriptions', async () => {
  const provider = new WsProvider(server.wsUrl, false);
  try {
    await provider.connect();
    await provider.isReady;
    assert.deepEqual(await provider.send('echo', [1]), [1]);
    await assert.rejects(provider.send('fail', []), /1010: Invalid Transaction/);

    const received: unknown[] = [];
    const id = await provider.subscribe('test_notification', 'test_subscribe', [], (error, result) => {
      assert.equal(error, null);
      received.push(result);
    });
    assert.equal(typeof id, 'string');
    for (let i = 0; i < 50 && received.length < 2; i++) await delay(10);
    assert.deepEqual(received, [1, 2]);
    assert.equal(await provider.unsubscribe('test_notification', 'test_unsubscribe', id), true);
    assert.equal(live.has(String(id)), false);
  } finally {
    await provider.disconnect();
  }
});

test('@polkadot/api HttpProvider: calls', async () => {
  const provider = new HttpProvider(server.httpUrl);
  try {
    assert.deepEqual(await provider.send('echo', [1]), [1]);
    await assert.rejects(provider.send('nope', []), /-32601: Method not found/);
  } finally {
    await provider.disconnect();
  }
});

test('default limit is 15 MiB and close() is idempotent', async () => {
  const other = await startRpcServer({ host: '127.0.0.1', port: 0, methods });
  try {
    const payload = (size: number) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: ['x'.repeat(size)] });
    const send = (body: string) =>
      fetch(other.httpUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    assert.equal((await send(payload(15 * 1024 * 1024))).status, 413);
    assert.equal((await send(payload(1024 * 1024))).status, 200);
  } finally {
    await Promise.all([other.close(), other.close()]);
    await other.close();
  }
  await assert.rejects(fetch(other.httpUrl, { method: 'POST', body: '{}' }));
});
