// `Expect: 100-continue` with curl, which sends it for bodies over 1 MiB: the gateway gives the
// go-ahead only when it reads the body, so an upload it refuses is answered without the body ever
// being sent, and one it takes goes through as before.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { loginHeader } from '../doors/helpers/tokens';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const run = promisify(execFile);
const layer = randomBytes(2 * 1024 * 1024 + 17);
const digest = `sha256:${createHash('sha256').update(layer).digest('hex')}`;

interface CurlUpload {
  readonly status: number;
  /** Body bytes curl sent. */
  readonly sent: number;
  /** Whether a `100 Continue` came. */
  readonly continued: boolean;
  readonly seconds: number;
}

/** A monolithic upload of `layer` with curl, which waits up to 10 s for the go-ahead before sending it. */
async function curlUpload(url: string, file: string, authorization?: string): Promise<CurlUpload> {
  const args = ['-sS', '-v', '--expect100-timeout', '10', '-X', 'POST', '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${file}`, '-o', '/dev/null'];
  if (authorization) args.push('-H', `Authorization: ${authorization}`);
  args.push('-w', '%{http_code} %{size_upload} %{time_total}', `${url}/v2/acme/web/blobs/uploads/?digest=${digest}`);
  const { stdout, stderr } = await run('curl', args, { maxBuffer: 16 * 1024 * 1024 });
  const [status, sent, seconds] = stdout.trim().split(' ').map(Number);
  assert.match(stderr, /> Expect: 100-continue/, 'curl sends Expect for a body this size');
  return { status, sent, continued: /< HTTP\/1\.1 100 Continue/.test(stderr), seconds };
}

describe('Expect: 100-continue', () => {
  let t: TestGateway;
  const dir = mkdtempSync(join(tmpdir(), 'hcr-expect-'));
  const file = join(dir, 'layer');
  before(async () => {
    writeFileSync(file, layer);
    t = await startTestGateway({ auth: { enabled: true } });
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an upload without a token is refused before its body is sent', { timeout: 60_000 }, async () => {
    const got = await curlUpload(t.url, file);
    assert.equal(got.status, 401);
    assert.equal(got.continued, false, 'no go-ahead for a refused upload');
    assert.equal(got.sent, 0, 'curl kept the body');
    assert.ok(got.seconds < 5, `the refusal took ${got.seconds} s: it came before curl's wait for the go-ahead ran out`);
  });

  test('an upload the gateway takes gets its go-ahead, and the blob is stored', { timeout: 60_000 }, async () => {
    const service = t.gateway.service;
    const tokenAnswer = await fetch(`${t.url}/token?service=${encodeURIComponent(service)}&scope=repository:acme/web:pull,push`, { headers: { authorization: await loginHeader(t.keys.alice, service) } });
    assert.equal(tokenAnswer.status, 200, await tokenAnswer.clone().text());
    const { token } = (await tokenAnswer.json()) as { token: string };
    const got = await curlUpload(t.url, file, `Bearer ${token}`);
    assert.equal(got.status, 201);
    assert.equal(got.continued, true);
    assert.equal(got.sent, layer.length);
    const stored = await fetch(`${t.url}/v2/acme/web/blobs/${digest}`, { method: 'HEAD', headers: { authorization: `Bearer ${token}` } });
    assert.equal(stored.status, 200);
    assert.equal(stored.headers.get('content-length'), String(layer.length));
  });

  test('a request without a body that expects the go-ahead is answered, with no go-ahead it does not need', { timeout: 30_000 }, async () => {
    const { hostname, port } = new URL(t.url);
    const socket = net.connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    const answered = new Promise<void>((resolve) => socket.on('data', () => /\r\n\r\n/.test(answer) && resolve()));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n');
    await answered;
    socket.destroy();
    assert.match(answer, /^HTTP\/1\.1 200 /, answer);
  });
});
