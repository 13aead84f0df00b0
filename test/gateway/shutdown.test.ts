// Graceful shutdown: the gateway stops accepting connections, answers requests on connections
// that stay open with 503 and Connection: close, lets requests in flight finish within the
// bound, cuts the rest, and an upload cut off resumes on the restarted gateway from its last
// whole chunk.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { Agent, get, request } from 'node:http';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../src/gateway';
import { digestOf, makeImage, pushImage, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('graceful shutdown', () => {
  let t: TestGateway;
  const layer = randomBlob(24 * 1024 * 1024);
  before(async () => {
    t = await startTestGateway();
    await pushImage(t.url, 'acme/big', 'v1', makeImage([layer]));
  });
  after(async () => {
    await t?.close();
  });

  const gatewayOn = (dataDir: string): Promise<RunningGateway> =>
    startGateway({ api: t.chain.api, blobStore: t.store, dataDir, gatewaySigner: t.keys.gateway, port: 0, auth: { enabled: false }, log: () => undefined });

  it('finishes a download in flight, refuses new connections, and answers 503 Connection: close on an open one', async () => {
    const gateway = await gatewayOn(mkdtempSync(join(t.dataDir, 'graceful-')));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const { hostname, port } = new URL(gateway.url);
    const open = await new Promise<number>((resolve, reject) => get({ hostname, port, path: '/v2/', agent }, (res) => (res.resume(), res.on('end', () => resolve(res.statusCode!)))).on('error', reject));
    assert.equal(open, 200);

    // A slow reader: a download the client takes in small bites.
    const chunks: Buffer[] = [];
    const download = new Promise<Buffer>((resolve, reject) => {
      get(`${gateway.url}/v2/acme/big/blobs/${layer.digest}`, (res) => {
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          res.pause();
          setTimeout(() => res.resume(), 2);
        });
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      }).on('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    const closed = gateway.close({ graceMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await assert.rejects(fetch(`${gateway.url}/v2/`), 'a new connection was accepted during shutdown');
    // Node closed the idle kept-alive connection, or it answers 503 asking the client to go away.
    const onOpen = await new Promise<{ status: number; connection?: string } | 'closed'>((resolve) => {
      get({ hostname, port, path: '/v2/', agent }, (res) => (res.resume(), resolve({ status: res.statusCode!, connection: res.headers.connection }))).on('error', () => resolve('closed'));
    });
    if (onOpen !== 'closed') assert.deepEqual(onOpen, { status: 503, connection: 'close' });
    const bytes = await download;
    assert.equal(digestOf(bytes), layer.digest, 'the download in flight was not finished');
    await closed;
    assert.ok(Date.now() - started < 30_000);
    agent.destroy();
  });

  it('cuts an upload still arriving at the bound, and the restarted gateway resumes it from its last whole chunk', async () => {
    const dataDir = mkdtempSync(join(t.dataDir, 'resume-'));
    const blob = randomBlob(3 * 65536);
    const first = await gatewayOn(dataDir);
    const location = (await fetch(`${first.url}/v2/acme/resumed/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
    const chunk = (start: number, end: number) => blob.bytes.subarray(start, end);
    const whole = await fetch(`${first.url}${location}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-65535` }, body: chunk(0, 65536) });
    assert.equal(whole.status, 202);

    // The second chunk stalls half-way; the shutdown's bound runs out and cuts it.
    const { hostname, port } = new URL(first.url);
    const stalled = request({ hostname, port, method: 'PATCH', path: location, headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '65536-131071', 'Content-Length': '65536' } });
    const cut = new Promise<string>((resolve) => {
      stalled.on('response', (res) => resolve(`answered ${res.statusCode}`));
      stalled.on('error', (error) => resolve(`cut: ${error.message}`));
    });
    stalled.write(chunk(65536, 65536 + 30_000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await first.close({ graceMs: 500 });
    assert.ok(Date.now() - started < 6_000, `close took ${Date.now() - started} ms`);
    assert.match(await cut, /^cut: /);

    const second = await gatewayOn(dataDir);
    try {
      const status = await fetch(`${second.url}${location}`);
      assert.equal(status.status, 204);
      assert.equal(status.headers.get('range'), '0-65535', 'the upload does not resume from its last whole chunk');
      const rest = await fetch(`${second.url}${location}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `65536-${blob.size - 1}` }, body: chunk(65536, blob.size) });
      assert.equal(rest.status, 202);
      const committed = await fetch(`${second.url}${location}?digest=${blob.digest}`, { method: 'PUT' });
      assert.equal(committed.status, 201, await committed.text());
      const back = await fetch(`${second.url}/v2/acme/resumed/blobs/${blob.digest}`);
      assert.equal(digestOf(Buffer.from(await back.arrayBuffer())), blob.digest);
    } finally {
      await second.close();
    }
  });
});
