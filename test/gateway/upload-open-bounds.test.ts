// What one uploader can leave on the gateway's disk without sending bytes: starting an upload
// costs one request, yet each is a directory and two files kept until the cleanup a day later, so
// an uploader keeps at most DEFAULT_MAX_OPEN_UPLOADS_PER_UPLOADER open (its oldest idle one is
// dropped), counted per client where pushes need no login, so one client drops no other's. And a
// chunk sent without Content-Length is refused as soon as it runs past its Content-Range, not
// written (and imported) to its end, up to the blob bound, only to be undone. Real dev chain,
// gateway and embedded IPFS over real sockets.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MAX_OPEN_UPLOADS_PER_UPLOADER } from '../../src/gateway/storage/upload-sessions';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { ociErrors, randomBlob } from './helpers/oci-client';

describe('what unfinished uploads may hold', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  const uploadsOnDisk = () => readdirSync(join(t.dataDir, 'gateway', 'uploads')).length;
  /** Starts an upload as the client at `ip` (the test's requests come through a trusted loopback proxy). */
  const start = async (ip: string) => {
    const response = await fetch(`${t.url}/v2/acme/bounds/blobs/uploads/`, { method: 'POST', headers: { 'x-forwarded-for': ip } });
    assert.equal(response.status, 202, await response.clone().text());
    return new URL(response.headers.get('location')!, t.url).href;
  };
  const status = (location: string, ip: string) => fetch(location, { headers: { 'x-forwarded-for': ip } });

  it('drops an uploader\'s oldest idle upload once it starts more than it may keep open, and no other client\'s', async () => {
    const other = await start('198.51.100.7');
    const before = uploadsOnDisk();
    const started: string[] = [];
    for (let i = 0; i <= DEFAULT_MAX_OPEN_UPLOADS_PER_UPLOADER; i++) started.push(await start('203.0.113.9'));
    assert.equal(uploadsOnDisk() - before, DEFAULT_MAX_OPEN_UPLOADS_PER_UPLOADER, 'the uploads on disk stay within the bound');

    const dropped = await status(started[0], '203.0.113.9');
    assert.equal(dropped.status, 404);
    assert.equal((await ociErrors(dropped))[0].code, 'BLOB_UPLOAD_UNKNOWN');
    assert.equal((await status(other, '198.51.100.7')).status, 204, 'another client\'s upload is kept');

    // The uploads after the oldest go on as before.
    const blob = randomBlob(1000);
    const patched = await fetch(started[1], { method: 'PATCH', headers: { 'x-forwarded-for': '203.0.113.9', 'content-range': `0-${blob.bytes.length - 1}` }, body: blob.bytes });
    assert.equal(patched.status, 202, await patched.clone().text());
    const url = new URL(started[1]);
    url.searchParams.set('digest', blob.digest);
    const done = await fetch(url, { method: 'PUT', headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(done.status, 201, await done.clone().text());
    // A finished upload makes room: the next start drops nothing.
    await start('203.0.113.9');
    assert.equal((await status(started[2], '203.0.113.9')).status, 204);
  });

  it('refuses a chunk that runs past its Content-Range as it arrives, without waiting for the rest of its body', async () => {
    const location = await start('192.0.2.44');
    const answer = await new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
      const req = request(location, { method: 'PATCH', headers: { 'content-range': '0-9', 'x-forwarded-for': '192.0.2.44' } });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error('no answer while the chunk went on past its Content-Range'));
      }, 5_000);
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => (body += text));
        res.on('end', () => {
          clearTimeout(timer);
          req.destroy();
          resolve({ status: res.statusCode!, body, connection: res.headers.connection });
        });
      });
      req.on('error', () => undefined);
      // 64 KiB for a chunk that says it is 10 bytes, and the body never ends.
      req.write(Buffer.alloc(64 * 1024, 1));
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.connection, 'close');
    const [error] = JSON.parse(answer.body).errors as { code: string; message: string }[];
    assert.equal(error.code, 'SIZE_INVALID');
    assert.match(error.message, /Content-Range 0-9 covers 10 bytes/);
    const after = await status(location, '192.0.2.44');
    assert.equal(after.headers.get('range'), '0-0', 'nothing of the refused chunk was kept');
  });
});
