// A WebSocket client that keeps asking for large replies and never reads them must not make the
// dev chain hold up to the 64 MiB cut for it (6.4 GB over the 100 connections allowed): as a
// Substrate node does, the chain stops reading such a connection's requests while a few MiB of
// its replies wait unsent, and reads on once they drain. Other clients are served meanwhile, and
// the slow client, once it reads, gets every reply it asked for.
import '@polkadot/api-augment';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { WebSocket } from 'ws';
import { startDevnet, type Devnet } from '../../src/devnet/node';

const MiB = 1024 * 1024;
/** The default cut (--rpc-max-unread-per-connection), left as it is here. */
const CUT = 64 * MiB;

let devnet: Devnet;
let api: ApiPromise;

before(async () => {
  devnet = await startDevnet({ port: 0, manualSeal: true });
  api = await ApiPromise.create({ provider: new WsProvider(devnet.wsUrl), throwOnConnect: true, noInitWarn: true });
});
after(async () => {
  await api?.disconnect();
  await devnet?.close();
});

const request = (id: number, method: string, params: unknown[] = []) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

async function metadataHex(): Promise<string> {
  const response = await fetch(devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request(1, 'state_getMetadata') });
  return ((await response.json()) as { result: string }).result;
}

/** A raw client that stops reading (its socket is paused) and collects replies once resumed. */
async function openSlowClient(): Promise<{ ws: WebSocket; replies: Map<number, string>; closed: () => boolean }> {
  const ws = new WebSocket(devnet.wsUrl);
  const replies = new Map<number, string>();
  let isClosed = false;
  ws.on('message', (data) => {
    const reply = JSON.parse(data.toString()) as { id: number; result: string };
    replies.set(reply.id, reply.result);
  });
  ws.on('close', () => (isClosed = true));
  ws.on('error', () => {});
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.pause();
  return { ws, replies, closed: () => isClosed };
}

/** Samples the server's unsent bytes per connection until they stop changing; returns the peak. */
async function peakUnsentUntilSettled(timeoutMs = 60_000): Promise<number> {
  let peak = 0;
  let last = '';
  let stableSince = Date.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const unsent = devnet.server.unsentBytesPerConnection();
    peak = Math.max(peak, ...unsent);
    const now = JSON.stringify(unsent);
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > 1500) {
      break;
    }
    await delay(25);
  }
  return peak;
}

test('a client asking for replies it never reads is paused at a few MiB, not held up to the 64 MiB cut', async () => {
  const metadata = await metadataHex();
  const replyBytes = metadata.length + 50;
  // Twice the cut in replies: without backpressure the chain queues them until the cut.
  const count = Math.ceil((2 * CUT) / replyBytes);
  const slow = await openSlowClient();
  try {
    for (let i = 0; i < count; i++) slow.ws.send(request(i, 'state_getMetadata'));

    // While the slow client reads nothing, a polkadot.js client on its own connection is served.
    const served = (async () => {
      const started = Date.now();
      const header = await api.rpc.chain.getHeader();
      const served = await api.rpc.state.getMetadata();
      return { ms: Date.now() - started, number: header.number.toNumber(), magic: served.magicNumber.toNumber() };
    })();

    const peak = await peakUnsentUntilSettled();
    const { ms, magic } = await served;
    assert.equal(magic, 0x6174656d, 'polkadot.js decoded the metadata');
    assert.ok(ms < 10_000, `the polkadot.js client waited ${ms} ms`);

    // The pause is at 4 MiB; up to 16 requests already being handled may add their replies.
    const bound = 4 * MiB + 16 * replyBytes + 2 * MiB;
    // Its replies fill the kernel's buffers and then wait, paused, in the chain: still open, and
    // holding more than the pause threshold but not more than the bound.
    const unsent = devnet.server.unsentBytesPerConnection();
    assert.equal(unsent.length, 2, 'the slow connection is still open on the server (not cut at 64 MiB)');
    const held = Math.max(...unsent);
    assert.ok(held > 4 * MiB && held < bound, `${(held / MiB).toFixed(1)} MiB wait for the slow client`);
    assert.ok(!slow.closed(), 'the slow client is paused, not cut off');
    assert.ok(
      peak < bound,
      `${(peak / MiB).toFixed(1)} MiB waited unsent for one connection (bound ${(bound / MiB).toFixed(1)} MiB, ` +
        `${((count * replyBytes) / MiB).toFixed(0)} MiB asked for)`,
    );
    assert.ok(slow.replies.size < count, 'the slow client has not read its replies yet');

    // Once it reads, it gets every reply it asked for, each the full metadata.
    slow.ws.resume();
    const deadline = Date.now() + 120_000;
    while (slow.replies.size < count && !slow.closed() && Date.now() < deadline) await delay(50);
    assert.equal(slow.replies.size, count, `${slow.replies.size} of ${count} replies arrived (closed: ${slow.closed()})`);
    for (let i = 0; i < count; i++) assert.equal(slow.replies.get(i), metadata, `reply ${i}`);
    assert.ok(!slow.closed());
  } finally {
    slow.ws.terminate();
  }
});

test('several such clients together stay bounded, and the chain keeps answering', async () => {
  const metadata = await metadataHex();
  const replyBytes = metadata.length + 50;
  const count = Math.ceil(CUT / replyBytes) + 200;
  const clients = await Promise.all(Array.from({ length: 4 }, () => openSlowClient()));
  try {
    for (const client of clients) for (let i = 0; i < count; i++) client.ws.send(request(i, 'state_getMetadata'));
    const peak = await peakUnsentUntilSettled();
    const bound = 4 * MiB + 16 * replyBytes + 2 * MiB;
    const unsent = devnet.server.unsentBytesPerConnection();
    assert.equal(unsent.length, 1 + clients.length, 'every slow connection is still open on the server');
    assert.equal(unsent.filter((bytes) => bytes > 4 * MiB && bytes < bound).length, clients.length, `unsent per connection: ${unsent}`);
    const total = unsent.reduce((a, b) => a + b, 0);
    assert.ok(peak < bound, `${(peak / MiB).toFixed(1)} MiB unsent on one connection`);
    assert.ok(total < clients.length * bound, `${(total / MiB).toFixed(1)} MiB unsent in all`);
    assert.ok(clients.every((client) => !client.closed()), 'none was cut off');
    assert.ok((await api.rpc.system.chain()).toString().length > 0);
  } finally {
    for (const client of clients) client.ws.terminate();
  }
});
