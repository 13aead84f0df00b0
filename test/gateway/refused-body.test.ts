// A request refused before its body ended, over raw sockets: the refusal is answered with
// `Connection: close`, and the gateway reads almost nothing more of a large body (declared 1 GiB
// here) and closes the connection soon after its answer, however fast or slowly the client keeps
// sending; a small refused body is read off and its connection kept.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { loginHeader, mintToken } from '../doors/helpers/tokens';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const GiB = 1024 ** 3;
/** Far less than any refused body could make the gateway read if it read it off. */
const READ_BOUND = 1024 * 1024;
const DIGEST = `sha256:${'0'.repeat(64)}`;
const UPLOAD = '/v2/acme/web/blobs/uploads/2f0a4c55-5a3e-4bd3-9f55-8d1b3c0e6a71';

interface Refusal {
  /** Everything the gateway answered. */
  readonly answer: string;
  /** Bytes the gateway read from the connection (headers included). */
  readonly serverRead: number;
  /** Milliseconds from the answer to the connection's end, undefined if it stayed open. */
  readonly closedAfterMs?: number;
  readonly sent: number;
}

/**
 * Sends `head`, then body bytes until the connection ends or `sendMs` passed: as fast as the
 * socket takes them, or 16 KiB every 50 ms. With `Expect: 100-continue` the body waits for an answer.
 */
async function refused(t: TestGateway, head: string, options: { pace: 'fast' | 'slow'; sendMs?: number; first?: Buffer }): Promise<Refusal> {
  const { hostname, port } = new URL(t.url);
  const accepted = new Promise<net.Socket>((resolve) => t.gateway.server.once('connection', resolve));
  const socket = net.connect(Number(port), hostname);
  const server = await accepted;
  let answer = '';
  let answeredAt: number | undefined;
  let closedAt: number | undefined;
  socket.on('data', (chunk) => {
    answer += chunk.toString('latin1');
    if (answeredAt === undefined && /HTTP\/1\.1 [2-5]\d\d /.test(answer)) answeredAt = performance.now();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => (closedAt = performance.now()));
  socket.write(head);
  if (/expect: 100-continue/i.test(head)) for (let waited = 0; answer === '' && waited < 5_000; waited += 10) await delay(10);
  let sent = 0;
  if (options.first) {
    socket.write(options.first);
    sent += options.first.length;
  }
  const piece = Buffer.alloc(options.pace === 'fast' ? 64 * 1024 : 16 * 1024, 0x61);
  const until = performance.now() + (options.sendMs ?? 3_000);
  while (closedAt === undefined && !socket.destroyed && performance.now() < until) {
    if (options.pace === 'slow') {
      await delay(50);
      socket.write(piece);
    } else if (!socket.write(piece)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), delay(100)]);
    sent += piece.length;
    // The client stops once it has its answer and pushed well past what the gateway may read.
    if (options.pace === 'fast' && answeredAt !== undefined && sent > 16 * READ_BOUND) break;
  }
  for (let waited = 0; closedAt === undefined && waited < 3_000; waited += 20) await delay(20);
  const closedAfterMs = closedAt !== undefined && answeredAt !== undefined ? closedAt - answeredAt : undefined;
  socket.destroy();
  await delay(20);
  return { answer, serverRead: server.bytesRead, closedAfterMs, sent };
}

function assertCutShort(what: string, got: Refusal, status: RegExp): void {
  assert.match(got.answer, status, `${what}: ${got.answer.slice(0, 300)}`);
  assert.ok(got.serverRead < READ_BOUND, `${what}: the gateway read ${got.serverRead} bytes of a refused body (the client sent ${got.sent})`);
  assert.ok(got.closedAfterMs !== undefined && got.closedAfterMs < 2_000, `${what}: the connection was not closed after the refusal (${got.closedAfterMs} ms)`);
  assert.match(got.answer, /\r\nConnection: close\r\n/i, `${what}: the refusal does not announce the connection's end`);
}

describe('a request refused before its body ended', () => {
  let t: TestGateway;
  let bobToken: string;
  // The wallet API is served where the page is (an empty one does).
  const webRoot = mkdtempSync(join(tmpdir(), 'hcr-web-'));
  before(async () => {
    t = await startTestGateway({ auth: { enabled: true }, webRoot, artifacts: { defaultSpace: 'acme', indexWaitMs: 0 } });
    bobToken = (await mintToken(t.url, t.gateway.service, t.keys.bob, ['publish'])).token;
  });
  after(async () => {
    await t?.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  test('a blob or manifest upload without a token (PATCH, PUT, monolithic POST, chunked) gets its 401 and no more of its body is read', { timeout: 30_000 }, async () => {
    const heads = [
      `PATCH ${UPLOAD} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${GiB}\r\n\r\n`,
      `PUT ${UPLOAD}?digest=${DIGEST} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${GiB}\r\n\r\n`,
      `POST /v2/acme/web/blobs/uploads/?digest=${DIGEST} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${GiB}\r\n\r\n`,
      `PATCH ${UPLOAD} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n${GiB.toString(16)}\r\n`,
      `PUT /v2/acme/web/manifests/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nTransfer-Encoding: chunked\r\n\r\n${GiB.toString(16)}\r\n`,
    ];
    for (const head of heads) assertCutShort(head.split('\r\n')[0], await refused(t, head, { pace: 'fast' }), /^HTTP\/1\.1 401 /);
  });

  test('a client that sends Expect: 100-continue sees the 401 too', { timeout: 30_000 }, async () => {
    const head = `PATCH ${UPLOAD} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${GiB}\r\n\r\n`;
    const got = await refused(t, head, { pace: 'fast' });
    assertCutShort('Expect: 100-continue', { ...got, answer: got.answer.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '') }, /^HTTP\/1\.1 401 /);
  });

  test('a slow upload refused is cut soon after its answer, not held open while it trickles in', { timeout: 30_000 }, async () => {
    const head = `PATCH ${UPLOAD} HTTP/1.1\r\nHost: x\r\nContent-Length: ${GiB}\r\n\r\n`;
    assertCutShort('slow PATCH', await refused(t, head, { pace: 'slow', sendMs: 4_000 }), /^HTTP\/1\.1 401 /);
  });

  test('the artifact doors: an upload without a token, and one whose metadata names a space it may not publish to', { timeout: 30_000 }, async () => {
    const multipart = (path: string, auth = '') =>
      `POST ${path} HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: multipart/form-data; boundary=b\r\nContent-Length: ${GiB}\r\n\r\n`;
    assertCutShort('POST /firmware', await refused(t, multipart('/firmware'), { pace: 'fast' }), /^HTTP\/1\.1 401 /);
    assertCutShort('POST /api/packages/publish', await refused(t, multipart('/api/packages/publish'), { pace: 'fast' }), /^HTTP\/1\.1 401 /);
    // Bob may publish, but not to acme: refused on the metadata, while the file part keeps coming.
    const first = Buffer.from(
      '--b\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{"name":"acme/base","version":"1.0.0","labels":{}}\r\n' +
        '--b\r\nContent-Disposition: form-data; name="firmware"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n',
    );
    const got = await refused(t, multipart('/firmware', `Authorization: Bearer ${bobToken}\r\n`), { pace: 'fast', first });
    assertCutShort('POST /firmware refused on its metadata', got, /^HTTP\/1\.1 403 /);
  });

  test('the wallet API: a body it does not take (not JSON) gets its 415 and no more of it is read', { timeout: 30_000 }, async () => {
    const head = `POST /api/calls/create-space HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${GiB}\r\n\r\n`;
    assertCutShort('POST /api/calls/create-space', await refused(t, head, { pace: 'fast' }), /^HTTP\/1\.1 415 /);
  });

  test('a form or JSON body (POST /token, POST /api/tokens, the wallet API) declared over its parser\'s limit gets its 413 before any of it is read, and one sent chunked once it passes the limit', { timeout: 60_000 }, async () => {
    const framings = {
      declared: `Content-Length: ${GiB}\r\n\r\n`,
      // A chunk size announcing a GiB: the body has no declared length.
      chunked: `Transfer-Encoding: chunked\r\n\r\n${GiB.toString(16)}\r\n`,
    };
    for (const [framing, rest] of Object.entries(framings)) {
      const post = (path: string, type: string) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\n${rest}`;
      assertCutShort(`POST /token (${framing})`, await refused(t, post('/token', 'application/x-www-form-urlencoded'), { pace: 'fast' }), /^HTTP\/1\.1 4(00|13) /);
      const tokens = await refused(t, post('/api/tokens', 'application/json'), { pace: 'fast' });
      assertCutShort(`POST /api/tokens (${framing})`, tokens, /^HTTP\/1\.1 413 /);
      assert.match(tokens.answer, /"code":"BODY_TOO_LARGE"/);
      assertCutShort(`POST /api/calls/create-space (${framing} JSON)`, await refused(t, post('/api/calls/create-space', 'application/json'), { pace: 'fast' }), /^HTTP\/1\.1 413 /);
    }
  });

  test('a form or JSON body sent chunked within its limit is parsed as one with a declared length is', { timeout: 30_000 }, async () => {
    // fetch sends a stream body chunked; the same bytes with a length go as before.
    const send = (path: string, type: string, body: string, how: 'chunked' | 'length', authorization?: string) =>
      fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': type, ...(authorization ? { authorization } : {}) },
        ...(how === 'chunked' ? { body: new Blob([body]).stream(), duplex: 'half' } : { body }),
      } as RequestInit);
    const answers = async (path: string, type: string, body: string) => {
      const [chunked, length] = [await send(path, type, body, 'chunked'), await send(path, type, body, 'length')];
      return { chunked: `${chunked.status} ${await chunked.text()}`, length: `${length.status} ${await length.text()}` };
    };
    const cases: [string, string, string][] = [
      ['/token', 'application/x-www-form-urlencoded', `grant_type=password&service=${encodeURIComponent(t.gateway.service)}&username=&password=`],
      ['/token', 'application/x-www-form-urlencoded', 'grant_type=client_credentials'],
      ['/api/tokens', 'application/json', '{"name":"ci","scopes":["publish"]}'],
      ['/api/tokens', 'application/json', '{"name":'],
      ['/api/calls/create-space', 'application/json', '{"name":"chunked"}'],
      ['/api/calls/create-space', 'application/json', '"a string"'],
    ];
    for (const [path, type, body] of cases) {
      const got = await answers(path, type, body);
      assert.equal(got.chunked, got.length, `${path} ${body}`);
      assert.doesNotMatch(got.chunked, /^413 /, `${path} ${body}`);
    }
    // And one that succeeds: a token minted from a chunked JSON body.
    const minted = await send('/api/tokens', 'application/json', JSON.stringify({ name: 'chunked', scopes: ['publish'] }), 'chunked', await loginHeader(t.keys.bob, t.gateway.service));
    assert.equal(minted.status, 201, await minted.clone().text());
    assert.equal(((await minted.json()) as { name: string }).name, 'chunked');
  });

  test('a small refused body is read off and its connection serves the next request', { timeout: 30_000 }, async () => {
    const { hostname, port } = new URL(t.url);
    const socket = net.connect(Number(port), hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    const answered = async (from: number) => {
      for (let waited = 0; !/\r\n\r\n/.test(answer.slice(from)) && waited < 5_000; waited += 20) await delay(20);
      await delay(50);
      return answer.slice(from);
    };
    // Refused before any of it was read: the rest arrives after the answer.
    const body = Buffer.alloc(4096, 0x61);
    socket.write(`PATCH ${UPLOAD} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    const first = await answered(0);
    socket.write(body);
    assert.match(first, /^HTTP\/1\.1 401 /);
    assert.doesNotMatch(first, /Connection: close/i);
    // Refused on its metadata part, its file part still to come: the multipart reader has let go.
    const metadata = '--b\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{"name":"acme/base","version":"1.0.0","labels":{}}\r\n--b';
    const rest = `\r\nContent-Disposition: form-data; name="firmware"; filename="f.bin"\r\n\r\n${'a'.repeat(48 * 1024)}\r\n--b--\r\n`;
    const at = answer.length;
    socket.write(`POST /firmware HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${bobToken}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${metadata.length + rest.length}\r\n\r\n${metadata}`);
    const second = await answered(at);
    socket.write(rest);
    assert.match(second, /^HTTP\/1\.1 403 /);
    assert.doesNotMatch(second, /Connection: close/i);
    const before = answer.length;
    socket.write('GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(await answered(before), /^HTTP\/1\.1 401 /, 'the connection did not serve the next request');
    assert.equal(socket.destroyed, false);
    socket.destroy();
  });
});
