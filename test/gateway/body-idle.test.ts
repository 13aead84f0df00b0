// A request body that stops coming, over raw sockets: the gateway answers 408 and lets the
// connection go once the body has sent nothing for its idle limit, while a slow but steady upload
// is taken whole and a kept-alive connection outlives the limit between requests.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const IDLE_MS = 500;

/** A connection to the gateway and everything it has answered so far. */
async function connect(url: string): Promise<{ socket: net.Socket; answered: () => string; closed: Promise<number> }> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const opened = performance.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - opened)));
  return { socket, answered: () => text, closed };
}

describe('a request body that stops coming', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ bodyIdleMs: IDLE_MS });
  });
  after(async () => {
    await t?.close();
  });

  test('is answered 408 and its connection let go, whether it sent part of its body or none', { timeout: 30_000 }, async () => {
    const location = (await fetch(`${t.url}/v2/acme/idle/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
    const requests = [
      `PUT /v2/acme/idle/manifests/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: 100\r\n\r\n{"schema`,
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\n',
      `PATCH ${location} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n`,
    ];
    for (const request of requests) {
      const { socket, answered, closed } = await connect(t.url);
      socket.write(request);
      const after = await closed;
      assert.match(answered(), /^HTTP\/1\.1 408 /, `${request.split('\r\n')[0]}: ${answered()}`);
      assert.match(answered(), /no bytes of the request body came for 0\.5 s/);
      assert.ok(after >= IDLE_MS && after < IDLE_MS + 3_000, `${request.split('\r\n')[0]}: closed after ${after} ms`);
    }
  });

  test('takes a slow but steady upload whole, and keeps a connection alive past the limit between requests', { timeout: 30_000 }, async () => {
    const location = (await fetch(`${t.url}/v2/acme/steady/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
    const { socket, answered } = await connect(t.url);
    socket.write(`PATCH ${location} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const piece = randomBytes(1024);
    // Four times the idle limit in all, a piece every 40% of it.
    for (let i = 0; i < 10; i++) {
      socket.write(`${piece.byteLength.toString(16)}\r\n`);
      socket.write(piece);
      socket.write('\r\n');
      await delay(IDLE_MS * 0.4);
    }
    socket.write('0\r\n\r\n');
    for (let waited = 0; !answered().includes('\r\n\r\n') && waited < 5_000; waited += 50) await delay(50);
    assert.match(answered(), /^HTTP\/1\.1 202 /, answered());
    assert.match(answered(), /\r\nRange: 0-10239\r\n/i);
    // Longer than the body's limit, shorter than keep-alive's: the connection is still there.
    await delay(IDLE_MS * 2);
    assert.equal(socket.destroyed, false, 'the kept-alive connection was cut');
    const before = answered().length;
    socket.write('GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let waited = 0; answered().length === before && waited < 5_000; waited += 50) await delay(50);
    assert.match(answered().slice(before), /^HTTP\/1\.1 200 /);
    socket.destroy();
  });
});
