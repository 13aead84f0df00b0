// A malformed-request sweep over every route: bad names and digests, path traversal, bad
// upload ids, wrong Content-Range, bad pagination, huge headers, broken HTTP and truncated
// bodies. No answer is a 5xx, every failure is an OCI error body, and the gateway keeps running.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { digestOf, makeImage, pushBlob, pushImage, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const GOOD = digestOf('x');
const BAD_NAMES = ['ACME/web', 'acme', '../../etc/passwd', 'acme/%2e%2e', 'acme/..', 'acme//web', `acme/${'a'.repeat(300)}`, 'acme/wéb', 'acme/web%00', '-acme/web', 'acme/web-'];
const BAD_DIGESTS = ['sha256:xyz', `sha256:${'a'.repeat(63)}`, 'md5:abc', `sha512:${'a'.repeat(128)}`, 'sha256', '..%2f..%2fetc', `sha256:${'A'.repeat(64)}`, ':'];

/** Sends raw bytes and returns the raw answer (up to the connection closing or `quietMs` of quiet before any answer). */
function raw(url: string, request: string | Buffer, closeAfterWrite = false, quietMs = 1000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    let timer = setTimeout(() => socket.destroy(), quietMs);
    socket.on('data', (data) => {
      answer += data.toString('latin1');
      clearTimeout(timer);
      timer = setTimeout(() => socket.destroy(), 300);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('error', () => undefined);
    socket.write(request, () => {
      if (closeAfterWrite) socket.end();
    });
  });
}

/** The status line and the OCI error of a raw answer (asserting the body is one). */
function rawError(answer: string): { statusLine: string; code?: string; message?: string } {
  const [head, body = ''] = answer.split('\r\n\r\n');
  let parsed: { errors?: { code?: string; message?: string }[] };
  try {
    parsed = JSON.parse(body);
  } catch {
    assert.fail(`not an OCI error body: ${JSON.stringify(answer.slice(0, 300))}`);
  }
  return { statusLine: head.split('\r\n')[0], code: parsed.errors?.[0]?.code, message: parsed.errors?.[0]?.message };
}

describe('malformed requests', () => {
  let t: TestGateway;
  const checked: string[] = [];
  before(async () => {
    t = await startTestGateway();
    await pushImage(t.url, 'acme/web', 'v1', makeImage([randomBlob(100)]));
  });
  after(async () => {
    await t?.close();
  });

  /** The answer's status and (but for HEAD) its first error's code, after checking it is a 4xx OCI error. */
  async function expectOciError(method: string, path: string, init: RequestInit = {}): Promise<{ status: number; code?: string }> {
    const response = await fetch(`${t.url}${path}`, { method, ...init });
    const label = `${method} ${path.slice(0, 120)} → ${response.status}`;
    checked.push(label);
    assert.ok(response.status >= 400 && response.status < 500, label);
    if (method === 'HEAD') return { status: response.status };
    const body = await response.text();
    let parsed: { errors?: { code?: string; message?: string }[] };
    try {
      parsed = JSON.parse(body);
    } catch {
      assert.fail(`${label}: not JSON: ${body.slice(0, 200)}`);
    }
    assert.ok(parsed.errors?.[0]?.code && parsed.errors[0].message, `${label}: ${body.slice(0, 200)}`);
    return { status: response.status, code: parsed.errors[0].code };
  }

  it('bad repository names on every route', async () => {
    for (const name of BAD_NAMES) {
      await expectOciError('GET', `/v2/${name}/manifests/v1`);
      await expectOciError('HEAD', `/v2/${name}/manifests/v1`);
      await expectOciError('PUT', `/v2/${name}/manifests/v1`, { body: '{}' });
      await expectOciError('DELETE', `/v2/${name}/manifests/v1`);
      await expectOciError('GET', `/v2/${name}/blobs/${GOOD}`);
      await expectOciError('HEAD', `/v2/${name}/blobs/${GOOD}`);
      await expectOciError('POST', `/v2/${name}/blobs/uploads/`);
      await expectOciError('PATCH', `/v2/${name}/blobs/uploads/00000000-0000-4000-8000-000000000000`, { body: 'x' });
      await expectOciError('GET', `/v2/${name}/tags/list`);
      await expectOciError('GET', `/v2/${name}/referrers/${GOOD}`);
    }
  });

  it('bad digests and references', async () => {
    for (const digest of BAD_DIGESTS) {
      await expectOciError('GET', `/v2/acme/web/blobs/${digest}`);
      await expectOciError('HEAD', `/v2/acme/web/blobs/${digest}`);
      await expectOciError('GET', `/v2/acme/web/referrers/${digest}`);
      await expectOciError('POST', `/v2/acme/web/blobs/uploads/?digest=${digest}`, { body: 'x' });
      await expectOciError('POST', `/v2/acme/web/blobs/uploads/?mount=${digest}&from=acme/web`);
      await expectOciError('GET', `/v2/acme/web/manifests/${digest}`);
    }
    for (const reference of ['.hidden', '-dash', 'x'.repeat(200), 'a%20b']) await expectOciError('GET', `/v2/acme/web/manifests/${reference}`);
    const location = (await fetch(`${t.url}/v2/acme/web/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
    for (const digest of [...BAD_DIGESTS, '']) await expectOciError('PUT', `${location}?digest=${digest}`);
    await expectOciError('PUT', `${location}?digest=${GOOD}&digest=${GOOD}`);
    await expectOciError('POST', `/v2/acme/web/blobs/uploads/?mount=${GOOD}&from=../../etc`);
  });

  it('references that are no tag, unknown spaces, content of other repositories', async () => {
    // The OCI conformance suite's missing manifest: a read is 404 MANIFEST_UNKNOWN, a write 400.
    assert.equal((await expectOciError('HEAD', '/v2/acme/web/manifests/.INVALID_MANIFEST_NAME')).status, 404);
    assert.deepEqual(await expectOciError('GET', '/v2/acme/web/manifests/.INVALID_MANIFEST_NAME'), { status: 404, code: 'MANIFEST_UNKNOWN' });
    const put = await expectOciError('PUT', '/v2/acme/web/manifests/.INVALID_MANIFEST_NAME', { body: '{}', headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
    assert.deepEqual(put, { status: 400, code: 'MANIFEST_INVALID' });
    for (const [method, path] of [['GET', `/v2/nosuch/x/blobs/${GOOD}`], ['GET', '/v2/nosuch/x/manifests/v1'], ['GET', `/v2/nosuch/x/manifests/${GOOD}`], ['GET', '/v2/nosuch/x/tags/list'], ['GET', `/v2/nosuch/x/referrers/${GOOD}`], ['POST', '/v2/nosuch/x/blobs/uploads/']]) {
      assert.deepEqual(await expectOciError(method, path), { status: 404, code: 'NAME_UNKNOWN' }, `${method} ${path}`);
    }
    const layer = randomBlob(64);
    assert.equal((await pushBlob(t.url, 'acme/web', layer)).status, 201);
    assert.deepEqual(await expectOciError('GET', `/v2/acme/web/manifests/${layer.digest}`), { status: 404, code: 'MANIFEST_UNKNOWN' });
    assert.deepEqual(await expectOciError('GET', `/v2/acme/other/blobs/${layer.digest}`), { status: 404, code: 'BLOB_UNKNOWN' });
    assert.deepEqual(await expectOciError('POST', `/v2/acme/other/blobs/uploads/?mount=${layer.digest}&from=ACME/web`), { status: 400, code: 'NAME_INVALID' });
  });

  it('bad upload ids and path traversal through them', async () => {
    for (const id of ['not-a-uuid', '..', '..%2f..%2fsession.json', '00000000-0000-4000-8000-000000000000', 'x'.repeat(500)]) {
      await expectOciError('GET', `/v2/acme/web/blobs/uploads/${id}`);
      await expectOciError('PATCH', `/v2/acme/web/blobs/uploads/${id}`, { body: 'x' });
      await expectOciError('PUT', `/v2/acme/web/blobs/uploads/${id}?digest=${GOOD}`);
      await expectOciError('DELETE', `/v2/acme/web/blobs/uploads/${id}`);
    }
    await expectOciError('PATCH', '/v2/acme/web/blobs/uploads/', { body: 'x' });
    await expectOciError('POST', '/v2/acme/web/blobs/uploads/00000000-0000-4000-8000-000000000000');
  });

  it('wrong Content-Range and Content-Length on chunks', async () => {
    const location = (await fetch(`${t.url}/v2/acme/web/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
    for (const range of ['abc', '5-2', '0-', '-1-5', 'bytes=0-99999999999999999999', '1-1', '0-0,2-3']) {
      await expectOciError('PATCH', location, { headers: { 'Content-Range': range }, body: 'x' });
    }
    await expectOciError('PATCH', location, { headers: { 'Content-Range': '0-9' }, body: 'x' });
    // The upload is still at offset 0 and usable.
    const status = await fetch(`${t.url}${location}`);
    assert.equal(status.headers.get('range'), '0-0');
  });

  it('bad pagination, unknown routes and methods, bad token requests', async () => {
    for (const query of ['n=-1', 'n=abc', 'n=1e3', 'n=99999999999', 'last=a&last=b', 'n=1&n=2']) {
      await expectOciError('GET', `/v2/acme/web/tags/list?${query}`);
      await expectOciError('GET', `/v2/_catalog?${query}`);
    }
    await expectOciError('GET', '/v2/acme/web/unknown');
    await expectOciError('GET', '/etc/passwd');
    await expectOciError('GET', '/v2/../../etc/passwd');
    await expectOciError('POST', '/v2/acme/web/manifests/v1');
    await expectOciError('PUT', '/v2/acme/web/blobs/' + GOOD);
    await expectOciError('DELETE', '/v2/');
    await expectOciError('GET', '/token?service=elsewhere');
    await expectOciError('GET', '/token', { headers: { Authorization: 'Basic !!!not-base64' } });
    await expectOciError('GET', '/token', { headers: { Authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` } });
    await expectOciError('GET', '/token', { headers: { Authorization: `Basic ${Buffer.from('5Grw:garbage').toString('base64')}` } });
    await expectOciError('POST', '/token', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    await expectOciError('POST', '/token', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `grant_type=refresh_token&refresh_token=${'x'.repeat(100)}` });
    await expectOciError('POST', '/token', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a='.padEnd(100_000, 'x') });
    await expectOciError('GET', '/v2/acme/web/manifests/v1', { headers: { Authorization: 'Bearer not.a.jwt' } }).catch(() => undefined);
    await expectOciError('GET', '/v2/acme/web/blobs/' + GOOD, { headers: { Range: 'bytes=abc' } });
  });

  it('huge headers and broken HTTP get OCI errors from the server itself', async () => {
    const huge = await raw(t.url, `GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431/);
    assert.match(huge, /"errors":\[\{"code":"SIZE_INVALID"/);
    const broken = await raw(t.url, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(broken, /^HTTP\/1\.1 400/);
    assert.match(broken, /"errors"/);
  });

  it('answers headers that stop arriving with 408 and an OCI error body', async () => {
    const server = t.gateway.server;
    const usual = server.headersTimeout;
    server.headersTimeout = 500;
    try {
      const started = Date.now();
      // Half a request: the headers never end.
      const answer = await raw(t.url, 'GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: appl', false, 5000);
      const error = rawError(answer);
      assert.equal(error.statusLine, 'HTTP/1.1 408 Request Timeout');
      assert.equal(error.code, 'UNSUPPORTED');
      assert.match(error.message ?? '', /headers did not all arrive within 0\.5 s/);
      assert.match(error.message ?? '', /send the request again/);
      assert.ok(Date.now() - started < 4000, `answered after ${Date.now() - started} ms`);
    } finally {
      server.headersTimeout = usual;
    }
  });

  it('answers a malformed Content-Length with SIZE_INVALID, other broken HTTP with 400 UNSUPPORTED', async () => {
    for (const lengths of ['Content-Length: abc', 'Content-Length: -1', 'Content-Length: 99999999999999999999999', 'Content-Length: 1\r\nContent-Length: 2']) {
      const answer = await raw(t.url, `POST /v2/acme/web/blobs/uploads/ HTTP/1.1\r\nHost: 127.0.0.1\r\n${lengths}\r\n\r\nx`);
      const error = rawError(answer);
      assert.equal(error.statusLine, 'HTTP/1.1 400 Bad Request', lengths);
      assert.equal(error.code, 'SIZE_INVALID', lengths);
      assert.match(error.message ?? '', /Content-Length header is not valid \(.+\); send one Content-Length/, lengths);
    }
    const error = rawError(await raw(t.url, 'GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n'));
    assert.equal(error.statusLine, 'HTTP/1.1 400 Bad Request');
    assert.equal(error.code, 'UNSUPPORTED');
    // Still serving.
    assert.equal((await fetch(`${t.url}/v2/`)).status, 200);
  });

  it('truncated bodies are refused and leave nothing half-written', async () => {
    const { port } = new URL(t.url);
    const image = makeImage([randomBlob(100)]);
    const manifest = image.manifest.bytes.subarray(0, 50);
    await raw(t.url, `PUT /v2/acme/web/manifests/cut HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: ${image.manifest.size}\r\n\r\n${manifest.toString('latin1')}`, true);
    const location = (await fetch(`${t.url}/v2/acme/web/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
    await raw(t.url, `PATCH ${location} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Range: 0-999\r\nContent-Length: 1000\r\n\r\n${'z'.repeat(10)}`, true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const status = await fetch(`${t.url}${location}`);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-0');
    const blob = randomBlob(1000);
    await raw(t.url, `POST /v2/acme/web/blobs/uploads/?digest=${blob.digest} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 1000\r\n\r\n`, true);
    assert.equal((await fetch(`${t.url}/v2/acme/web/manifests/cut`)).status, 404);
    assert.equal((await fetch(`${t.url}/v2/acme/web/blobs/${blob.digest}`)).status, 404);
    // Still serving.
    assert.equal((await pushBlob(t.url, 'acme/web', blob)).status, 201);
    assert.equal((await fetch(`${t.url}/v2/acme/web/manifests/v1`)).status, 200);
  });

  it('logged no internal errors', () => {
    assert.ok(checked.length > 200, `${checked.length} requests checked`);
    assert.deepEqual(t.logs.filter((line) => /UNKNOWN|internal/.test(line)), []);
  });
});
