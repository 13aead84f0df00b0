// What one uploader may hold on the gateway's disk (gateway.uploadQuota): the bytes of its open
// uploads and of the blobs it pushed that no recorded manifest references yet. A chunk that would
// take it past the quota is refused with 403 DENIED naming the quota, what is held and the fix,
// before any of it is stored; other uploaders go on. Bytes stop counting when their upload is
// cancelled or expires, or a recorded manifest references their blob; chunks sent at once do not
// overshoot together; a gateway started on the same data dir counts what is on disk. Anonymous
// uploads count per client (the test's requests come through a trusted loopback proxy). A
// cross-repository mount of an unreferenced blob moves it onto the mounter's quota (or, when that
// quota cannot take it, starts an upload instead), so no one keeps another's blob charged to them
// for ever by mounting it. Real dev chain, gateway and embedded IPFS over real sockets.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type RunningGateway, startGateway } from '../../src/gateway';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { type Blob, makeImage, OCI_MANIFEST, ociErrors, randomBlob } from './helpers/oci-client';

const KiB = 1024;
const QUOTA = 1024 * KiB;

describe('the bytes one uploader may hold', () => {
  let t: TestGateway;
  const others: RunningGateway[] = [];
  before(async () => {
    t = await startTestGateway({ uploadQuotaBytes: QUOTA });
  });
  after(async () => {
    for (const other of others) await other.close();
    await t?.close();
  });

  const as = (ip: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...extra });
  const start = async (ip: string, url = t.url) => {
    const response = await fetch(`${url}/v2/acme/quota/blobs/uploads/`, { method: 'POST', headers: as(ip) });
    assert.equal(response.status, 202, await response.clone().text());
    return new URL(response.headers.get('location')!, url).href;
  };
  const patch = (location: string, ip: string, bytes: Buffer, from = 0) =>
    fetch(location, { method: 'PATCH', headers: as(ip, { 'content-type': 'application/octet-stream', 'content-range': `${from}-${from + bytes.length - 1}` }), body: bytes });
  const offsetOf = async (location: string, ip: string) => {
    const status = await fetch(location, { headers: as(ip) });
    assert.equal(status.status, 204);
    return status.headers.get('range');
  };
  const pushBlobAs = (ip: string, blob: Blob, url = t.url, repository = 'quota') =>
    fetch(`${url}/v2/acme/${repository}/blobs/uploads/?digest=${blob.digest}`, { method: 'POST', headers: as(ip, { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) }), body: blob.bytes });
  const mountAs = (ip: string, repository: string, from: string, blob: Blob) =>
    fetch(`${t.url}/v2/acme/${repository}/blobs/uploads/?mount=${blob.digest}&from=acme/${from}`, { method: 'POST', headers: as(ip) });
  /** Whether `ip` may still push `bytes` more, with a blob pushed to find out (kept, so counted from then on). */
  const mayPush = async (ip: string, bytes: number) => {
    const answer = await pushBlobAs(ip, randomBlob(bytes));
    if (answer.status === 403) assert.equal((await ociErrors(answer))[0].code, 'DENIED');
    else assert.equal(answer.status, 201, await answer.clone().text());
    return answer.status === 201;
  };

  it('refuses a chunk past the quota with DENIED naming the quota, what is held and the fix, keeps none of it, and lets another uploader go on', async () => {
    const first = await start('203.0.113.1');
    assert.equal((await patch(first, '203.0.113.1', randomBlob(700 * KiB).bytes)).status, 202);
    const second = await start('203.0.113.1');
    const refused = await patch(second, '203.0.113.1', randomBlob(400 * KiB).bytes);
    assert.equal(refused.status, 403);
    const [error] = await ociErrors(refused);
    assert.equal(error.code, 'DENIED');
    assert.match(error.message, /^the anonymous client 203\.0\.113\.1 holds 700 KiB on this gateway \(700 KiB in 2 open uploads, 0 bytes in pushed blobs no recorded manifest references yet\); 400 KiB more would pass its upload quota of 1 MiB \(gateway\.uploadQuota\)/);
    assert.match(error.message, /Finish or cancel \(DELETE\) the uploads left open, push the manifests that reference the pushed blobs, or ask the gateway's operator to raise gateway\.uploadQuota$/);
    assert.equal(await offsetOf(second, '203.0.113.1'), '0-0', 'nothing of the refused chunk was kept');

    // A chunk of undeclared length is cut as it passes the quota, and undone.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(second);
      const req = request({ host: url.hostname, port: url.port, method: 'PATCH', path: url.pathname + url.search, headers: as('203.0.113.1', { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }) }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => (body += text));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end(randomBlob(400 * KiB).bytes);
    });
    assert.equal(streamed.status, 403, streamed.body);
    assert.equal(JSON.parse(streamed.body).errors[0].code, 'DENIED');
    assert.equal(await offsetOf(second, '203.0.113.1'), '0-0');

    // Another client's uploads count on their own.
    assert.equal((await pushBlobAs('198.51.100.1', randomBlob(900 * KiB))).status, 201);

    // Cancelling the open upload gives its bytes back.
    assert.equal((await fetch(first, { method: 'DELETE', headers: as('203.0.113.1') })).status, 204);
    assert.equal((await patch(second, '203.0.113.1', randomBlob(400 * KiB).bytes)).status, 202);
  });

  it('counts pushed blobs until a recorded manifest references them', async () => {
    const ip = '203.0.113.2';
    const image = makeImage([randomBlob(500 * KiB), randomBlob(400 * KiB)]);
    for (const blob of [image.config, ...image.layers]) assert.equal((await pushBlobAs(ip, blob)).status, 201);
    const refused = await pushBlobAs(ip, randomBlob(300 * KiB));
    assert.equal(refused.status, 403);
    assert.match((await ociErrors(refused))[0].message, / \(0 bytes in 1 open upload, 900\.\d KiB in pushed blobs no recorded manifest references yet\)/);

    const manifest = await fetch(`${t.url}/v2/acme/quota/manifests/v1`, { method: 'PUT', headers: as(ip, { 'content-type': OCI_MANIFEST }), body: image.manifest.bytes });
    assert.equal(manifest.status, 201, await manifest.clone().text());
    assert.equal((await pushBlobAs(ip, randomBlob(900 * KiB))).status, 201, 'the referenced blobs no longer count');
  });

  it('lets chunks sent at once take no more than the quota together', async () => {
    const ip = '203.0.113.3';
    const uploads = await Promise.all([1, 2, 3, 4].map(() => start(ip)));
    const answers = await Promise.all(uploads.map((location) => patch(location, ip, randomBlob(400 * KiB).bytes)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [202, 202, 403, 403]);
    const kept = await Promise.all(uploads.map((location) => offsetOf(location, ip)));
    assert.equal(kept.filter((range) => range !== '0-0').length, 2);
  });

  it('counts what an uploader holds on disk when a gateway starts on the data dir', async () => {
    const ip = '203.0.113.4';
    assert.equal((await patch(await start(ip), ip, randomBlob(500 * KiB).bytes)).status, 202);
    assert.equal((await pushBlobAs(ip, randomBlob(300 * KiB))).status, 201);
    const restarted = await startGateway({ api: t.chain.api, blobStore: t.store, dataDir: t.dataDir, gatewaySigner: t.keys.gateway, port: 0, log: () => undefined, auth: { enabled: false }, uploadQuotaBytes: QUOTA });
    others.push(restarted);
    const refused = await patch(await start(ip, restarted.url), ip, randomBlob(400 * KiB).bytes);
    assert.equal(refused.status, 403);
    assert.match((await ociErrors(refused))[0].message, /holds 800 KiB on this gateway \(500 KiB in 2 open uploads, 300 KiB in pushed blobs/);
  });

  it('stops counting uploads and blobs the cleanup removed', async () => {
    const ip = '203.0.113.5';
    assert.equal((await patch(await start(ip), ip, randomBlob(500 * KiB).bytes)).status, 202);
    assert.equal((await pushBlobAs(ip, randomBlob(400 * KiB))).status, 201);
    assert.equal((await pushBlobAs(ip, randomBlob(300 * KiB))).status, 403);
    await t.gateway.gateway.sweep(Date.now() + 2 * 24 * 60 * 60 * 1000);
    assert.equal((await pushBlobAs(ip, randomBlob(900 * KiB))).status, 201);
  });

  it('moves an unreferenced blob onto the quota of whoever mounts it', async () => {
    const uploader = '203.0.113.21';
    const mounter = '203.0.113.22';
    const blob = randomBlob(300 * KiB);
    assert.equal((await pushBlobAs(uploader, blob, t.url, 'source')).status, 201);

    const mounted = await mountAs(mounter, 'copy', 'source', blob);
    assert.equal(mounted.status, 201, await mounted.clone().text());
    const served = await fetch(`${t.url}/v2/acme/copy/blobs/${blob.digest}`);
    assert.equal(served.status, 200);
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), blob.bytes);

    assert.equal(await mayPush(uploader, 900 * KiB), true, 'the uploader no longer pays for the blob someone else keeps alive');
    assert.equal(await mayPush(mounter, 800 * KiB), false, 'the mounter pays for it');

    // A gateway started on the same data dir counts it where the record says: against the mounter.
    const restarted = await startGateway({ api: t.chain.api, blobStore: t.store, dataDir: t.dataDir, gatewaySigner: t.keys.gateway, port: 0, log: () => undefined, auth: { enabled: false }, uploadQuotaBytes: QUOTA });
    others.push(restarted);
    const there = await pushBlobAs(mounter, randomBlob(800 * KiB), restarted.url);
    assert.equal(there.status, 403);
    assert.match((await ociErrors(there))[0].message, /300 KiB in pushed blobs no recorded manifest references yet/);
  });

  it('has a mounter whose quota cannot take the blob upload it instead, and leaves the charge with its uploader', async () => {
    const uploader = '203.0.113.23';
    const mounter = '203.0.113.24';
    const blob = randomBlob(300 * KiB);
    assert.equal((await pushBlobAs(uploader, blob, t.url, 'source')).status, 201);
    assert.equal(await mayPush(mounter, 900 * KiB), true);

    const refused = await mountAs(mounter, 'copy', 'source', blob);
    assert.equal(refused.status, 202, 'an upload is started instead of the mount');
    assert.match(refused.headers.get('location') ?? '', /\/v2\/acme\/copy\/blobs\/uploads\/[0-9a-f-]+/);
    assert.equal((await fetch(`${t.url}/v2/acme/copy/blobs/${blob.digest}`, { method: 'HEAD' })).status, 404, 'nothing was mounted');
    assert.equal(await mayPush(uploader, 800 * KiB), false, 'the uploader still pays for its blob');
  });

  it('counts a blob its own uploader mounts once, against that uploader', async () => {
    const ip = '203.0.113.25';
    const blob = randomBlob(300 * KiB);
    assert.equal((await pushBlobAs(ip, blob, t.url, 'source')).status, 201);
    assert.equal((await mountAs(ip, 'copy', 'source', blob)).status, 201);
    assert.equal((await mountAs(ip, 'third', 'copy', blob)).status, 201);
    assert.equal(await mayPush(ip, 700 * KiB), true, 'counted once');
    assert.equal(await mayPush(ip, 100 * KiB), false, 'and against the one who pushed and mounted it');
  });
});
