// The largest blob an upload may carry (gateway.limits.uploads.maxBlobBytes): a bigger monolithic
// upload or chunk is refused with 413 SIZE_INVALID naming the setting, before its bytes are read
// when their length is declared and as soon as they pass the bound when it is not; the upload
// keeps every byte it had, so the client can go on within the bound.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { RunningGateway } from '../../src/gateway';
import { digestOf, ociErrors, pushBlob, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const LIMIT = 1024 * 1024;

describe('the largest blob an upload may carry', () => {
  let t: TestGateway;
  let gateway: RunningGateway;
  before(async () => {
    t = await startTestGateway();
    gateway = await t.startReplica({ limits: { uploads: { maxBlobBytes: LIMIT } }, gatewaySigner: t.keys.gateway });
  });
  after(async () => {
    await t?.close();
  });

  const start = async (name: string) => {
    const started = await fetch(`${gateway.url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
    assert.equal(started.status, 202);
    return new URL(started.headers.get('location')!, gateway.url).toString();
  };
  const offsetOf = async (location: string) => {
    const status = await fetch(location);
    assert.equal(status.status, 204);
    return Number(status.headers.get('range')!.split('-')[1]) + 1;
  };
  const patch = (location: string, bytes: Buffer, start: number) =>
    fetch(location, { method: 'PATCH', body: bytes, headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${start + bytes.length - 1}` } });

  it('takes a blob of exactly the bound, and refuses one byte more in one upload with 413, keeping nothing', async () => {
    assert.equal((await pushBlob(gateway.url, 'acme/bounded', randomBlob(LIMIT))).status, 201);
    const big = randomBlob(LIMIT + 1);
    const refused = await pushBlob(gateway.url, 'acme/bounded', big);
    assert.equal(refused.status, 413);
    const [error] = await ociErrors(refused);
    assert.equal(error.code, 'SIZE_INVALID');
    assert.match(error.message, new RegExp(`${LIMIT + 1} bytes, more than the ${LIMIT} bytes a blob may have on this gateway \\(its operator sets the bound: gateway\\.limits\\.uploads\\.maxBlobBytes\\)`));
    assert.equal((await fetch(`${gateway.url}/v2/acme/bounded/blobs/${big.digest}`, { method: 'HEAD' })).status, 404);
  });

  it('refuses a chunk that would take the upload past the bound before reading it, and keeps the chunks before it', async () => {
    const bytes = randomBlob(LIMIT).bytes;
    const location = await start('acme/chunked');
    const first = bytes.subarray(0, 600 * 1024);
    assert.equal((await patch(location, first, 0)).status, 202);
    const refused = await patch(location, Buffer.concat([bytes.subarray(first.length), Buffer.alloc(1)]), first.length);
    assert.equal(refused.status, 413);
    assert.match((await ociErrors(refused))[0].message, new RegExp(`it keeps its first ${first.length} bytes`));
    assert.equal(await offsetOf(location), first.length);
    assert.equal((await patch(location, bytes.subarray(first.length), first.length)).status, 202);
    const committed = await fetch(`${location}${location.includes('?') ? '&' : '?'}digest=${digestOf(bytes)}`, { method: 'PUT' });
    assert.equal(committed.status, 201);
  });

  it('cuts a chunk of undeclared length as it passes the bound, closing the connection and undoing only that chunk', async () => {
    const location = await start('acme/streamed');
    const first = randomBlob(512 * 1024).bytes;
    assert.equal((await patch(location, first, 0)).status, 202);
    // Chunked transfer coding and no Content-Range: the gateway learns the size only as it reads.
    const url = new URL(location);
    const answer = await new Promise<{ status: number; connection?: string; body: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method: 'PATCH', path: url.pathname + url.search, headers: { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
      });
      req.on('error', reject);
      // Far more than the bound, written as the socket takes it: the answer comes before the end.
      let sent = 0;
      const pump = () => {
        while (sent < 8 * LIMIT) {
          sent += 64 * 1024;
          if (!req.write(Buffer.alloc(64 * 1024))) return void req.once('drain', pump);
        }
        req.end();
      };
      req.on('response', () => (sent = 8 * LIMIT));
      pump();
    });
    assert.equal(answer.status, 413, answer.body);
    assert.equal(answer.connection, 'close');
    assert.match(JSON.parse(answer.body).errors[0].message, /the upload grew past the 1048576 bytes a blob may have on this gateway .*; it keeps its first 524288 bytes/);
    assert.equal(await offsetOf(location), first.length);
  });
});
