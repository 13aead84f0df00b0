// Blobs and uploads: monolithic, POST then PUT, chunked PATCH with Content-Range (416 for
// out-of-order and repeated chunks), upload status, cancel, cross-repository mount, digest
// checks, GET with Range, HEAD, and the cleanup of blobs no manifest references (and of what killed
// imports left).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { storeDigestInfo, submitTx } from '../../src/chain';
import { join } from 'node:path';
import { digestOf, makeImage, ociErrors, pushBlob, pushImage, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { releaseBlobs } from '../../src/gateway/artifacts/blob-intake';

describe('blobs and uploads', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  async function startUpload(name = 'acme/up'): Promise<string> {
    const response = await fetch(`${t.url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
    assert.equal(response.status, 202);
    assert.ok(response.headers.get('docker-upload-uuid'));
    assert.equal(response.headers.get('range'), '0-0');
    return response.headers.get('location')!;
  }

  it('takes a monolithic upload and serves it back with HEAD and GET', async () => {
    const blob = randomBlob(200_000);
    const response = await pushBlob(t.url, 'acme/up', blob);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('docker-content-digest'), blob.digest);
    assert.equal(response.headers.get('location'), `/v2/acme/up/blobs/${blob.digest}`);
    const head = await fetch(`${t.url}/v2/acme/up/blobs/${blob.digest}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(blob.size));
    assert.equal(head.headers.get('docker-content-digest'), blob.digest);
    const get = await fetch(`${t.url}/v2/acme/up/blobs/${blob.digest}`);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), blob.bytes);
  });

  it('takes POST then PUT with the whole body', async () => {
    const blob = randomBlob(5000);
    const location = await startUpload();
    const put = await fetch(`${t.url}${location}?digest=${blob.digest}`, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: blob.bytes });
    assert.equal(put.status, 201);
    const get = await fetch(`${t.url}/v2/acme/up/blobs/${blob.digest}`);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), blob.bytes);
  });

  it('takes chunks with Content-Range, reports status, and refuses out-of-order and repeated chunks with 416', async () => {
    const blob = randomBlob(3 * 65536 + 123);
    const chunks = [blob.bytes.subarray(0, 65536), blob.bytes.subarray(65536, 2 * 65536), blob.bytes.subarray(2 * 65536)];
    const location = await startUpload();
    const patch = (start: number, chunk: Buffer) =>
      fetch(`${t.url}${location}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${start + chunk.length - 1}` }, body: chunk });

    let response = await patch(0, chunks[0]);
    assert.equal(response.status, 202);
    assert.equal(response.headers.get('range'), '0-65535');
    assert.equal(response.headers.get('location'), location);

    // Skipping ahead and repeating the first chunk are both refused.
    response = await patch(2 * 65536, chunks[2]);
    assert.equal(response.status, 416);
    assert.equal((await ociErrors(response))[0].code, 'RANGE_INVALID');
    response = await patch(0, chunks[0]);
    assert.equal(response.status, 416);

    response = await patch(65536, chunks[1]);
    assert.equal(response.status, 202);
    const status = await fetch(`${t.url}${location}`);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), `0-${2 * 65536 - 1}`);
    assert.equal(status.headers.get('location'), location);

    // The last chunk comes with the PUT.
    response = await fetch(`${t.url}${location}?digest=${blob.digest}`, { method: 'PUT', headers: { 'Content-Range': `${2 * 65536}-${blob.size - 1}`, 'Content-Type': 'application/octet-stream' }, body: chunks[2] });
    assert.equal(response.status, 201);
    const get = await fetch(`${t.url}/v2/acme/up/blobs/${blob.digest}`);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), blob.bytes);
  });

  it('takes streamed PATCH chunks without Content-Range (as Docker sends them)', async () => {
    const blob = randomBlob(100_000);
    const location = await startUpload();
    for (const part of [blob.bytes.subarray(0, 40_000), blob.bytes.subarray(40_000)]) {
      const response = await fetch(`${t.url}${location}`, { method: 'PATCH', body: part });
      assert.equal(response.status, 202);
    }
    const put = await fetch(`${t.url}${location}?digest=${blob.digest}`, { method: 'PUT' });
    assert.equal(put.status, 201);
  });

  it('refuses a commit whose digest does not match with DIGEST_INVALID, and discards the upload', async () => {
    const blob = randomBlob(1000);
    const location = await startUpload();
    await fetch(`${t.url}${location}`, { method: 'PATCH', body: blob.bytes });
    const put = await fetch(`${t.url}${location}?digest=${digestOf('other')}`, { method: 'PUT' });
    assert.equal(put.status, 400);
    const [error] = await ociErrors(put);
    assert.equal(error.code, 'DIGEST_INVALID');
    assert.match(error.message, new RegExp(blob.digest));
    const status = await fetch(`${t.url}${location}`);
    assert.equal(status.status, 404);
    assert.equal((await ociErrors(status))[0].code, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('refuses a commit without a digest, and a monolithic upload with the wrong digest', async () => {
    const location = await startUpload();
    const put = await fetch(`${t.url}${location}`, { method: 'PUT' });
    assert.equal(put.status, 400);
    assert.equal((await ociErrors(put))[0].code, 'DIGEST_INVALID');
    const wrong = await fetch(`${t.url}/v2/acme/up/blobs/uploads/?digest=${digestOf('x')}`, { method: 'POST', body: 'y' });
    assert.equal(wrong.status, 400);
    assert.equal((await ociErrors(wrong))[0].code, 'DIGEST_INVALID');
  });

  it('cancels an upload with DELETE', async () => {
    const location = await startUpload();
    const cancelled = await fetch(`${t.url}${location}`, { method: 'DELETE' });
    assert.equal(cancelled.status, 204);
    const again = await fetch(`${t.url}${location}`, { method: 'PATCH', body: 'x' });
    assert.equal(again.status, 404);
    assert.equal((await ociErrors(again))[0].code, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('mounts a blob from another repository, and starts an upload when it is unknown', async () => {
    const blob = randomBlob(4096);
    await pushBlob(t.url, 'acme/source', blob);
    const mounted = await fetch(`${t.url}/v2/acme/target/blobs/uploads/?mount=${blob.digest}&from=acme/source`, { method: 'POST' });
    assert.equal(mounted.status, 201);
    assert.equal(mounted.headers.get('location'), `/v2/acme/target/blobs/${blob.digest}`);
    const unknown = await fetch(`${t.url}/v2/acme/target/blobs/uploads/?mount=${digestOf('never pushed')}&from=acme/source`, { method: 'POST' });
    assert.equal(unknown.status, 202);
  });

  it('streams large blobs whole and across buffer boundaries, and survives a client that leaves mid-way', async () => {
    const blob = randomBlob(3 * 1024 * 1024 + 12_345);
    await pushBlob(t.url, 'acme/big', blob);
    const url = `${t.url}/v2/acme/big/blobs/${blob.digest}`;
    const whole = await fetch(url);
    assert.equal(whole.headers.get('content-length'), String(blob.size));
    assert.equal(digestOf(Buffer.from(await whole.arrayBuffer())), blob.digest);
    const span = await fetch(url, { headers: { Range: 'bytes=262000-1048700' } });
    assert.deepEqual(Buffer.from(await span.arrayBuffer()), blob.bytes.subarray(262_000, 1_048_701));
    for (let i = 0; i < 5; i++) {
      const controller = new AbortController();
      const partial = await fetch(url, { signal: controller.signal });
      await partial.body!.getReader().read();
      controller.abort();
    }
    const again = await fetch(url);
    assert.equal(digestOf(Buffer.from(await again.arrayBuffer())), blob.digest);
  });

  it('serves byte ranges with 206, refuses unsatisfiable ones with 416, and answers other units and several ranges with the whole blob', async () => {
    const blob = randomBlob(10_000);
    await pushBlob(t.url, 'acme/up', blob);
    const url = `${t.url}/v2/acme/up/blobs/${blob.digest}`;
    let response = await fetch(url, { headers: { Range: 'bytes=100-199' } });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), `bytes 100-199/${blob.size}`);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), blob.bytes.subarray(100, 200));
    response = await fetch(url, { headers: { Range: 'bytes=9990-' } });
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), blob.bytes.subarray(9990));
    response = await fetch(url, { headers: { Range: 'bytes=-5' } });
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), blob.bytes.subarray(blob.size - 5));
    response = await fetch(url, { headers: { Range: 'bytes= 10 - 19' } });
    assert.equal(response.status, 206, 'spaces around the range');
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), blob.bytes.subarray(10, 20));
    for (const range of ['bytes=20000-', 'bytes=5-2', 'bytes=abc']) {
      response = await fetch(url, { headers: { Range: range } });
      assert.equal(response.status, 416, range);
      assert.equal((await ociErrors(response))[0].code, 'RANGE_INVALID');
    }
    // RFC 9110: a unit the server does not know is ignored, and several ranges may be answered
    // with the whole representation.
    for (const range of ['items=0-1', 'bytes=0-1,5-6']) {
      response = await fetch(url, { headers: { Range: range } });
      assert.equal(response.status, 200, range);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), blob.bytes, range);
    }
    // If-Range (RFC 9110 §13.1.5): the range only for the blob's own ETag, compared strongly; a
    // client resuming a download of other bytes gets the whole blob.
    response = await fetch(url, { headers: { Range: 'bytes=0-9', 'If-Range': `"${blob.digest}"` } });
    assert.equal(response.status, 206);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), blob.bytes.subarray(0, 10));
    for (const ifRange of [`"${digestOf('other bytes')}"`, `W/"${blob.digest}"`, 'Wed, 21 Oct 2015 07:28:00 GMT']) {
      response = await fetch(url, { headers: { Range: 'bytes=0-9', 'If-Range': ifRange } });
      assert.equal(response.status, 200, ifRange);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), blob.bytes, ifRange);
    }
  });

  it('answers BLOB_UNKNOWN for unknown blobs and UNSUPPORTED for DELETE', async () => {
    const unknown = await fetch(`${t.url}/v2/acme/up/blobs/${digestOf('none')}`);
    assert.equal(unknown.status, 404);
    assert.equal((await ociErrors(unknown))[0].code, 'BLOB_UNKNOWN');
    const head = await fetch(`${t.url}/v2/acme/up/blobs/${digestOf('none')}`, { method: 'HEAD' });
    assert.equal(head.status, 404);
    const blob = randomBlob(10);
    await pushBlob(t.url, 'acme/up', blob);
    const removed = await fetch(`${t.url}/v2/acme/up/blobs/${blob.digest}`, { method: 'DELETE' });
    assert.equal(removed.status, 405);
    assert.equal((await ociErrors(removed))[0].code, 'UNSUPPORTED');
  });

  it('removes uploads and blobs that no manifest referenced once they are older than the limit, unpins them and deletes their blocks', async () => {
    const blob = randomBlob(777);
    await pushBlob(t.url, 'acme/sweep', blob);
    // The same bytes recorded on chain by the owner (as a push elsewhere would): their pin stays.
    const kept = randomBlob(555);
    await pushBlob(t.url, 'acme/sweep', kept);
    const cidOf = (digest: string) => JSON.parse(readFileSync(join(t.dataDir, 'gateway', 'blobs', `${digest.replace(':', '-')}.json`), 'utf8')).cid as string;
    const [cid, keptCid] = [cidOf(blob.digest), cidOf(kept.digest)];
    await submitTx(t.chain.api, storeDigestInfo(t.chain.api, { repo: 'acme', digest: kept.digest, type: 'File', cid: keptCid }), t.keys.alice);
    assert.equal(await t.store.isPinned(cid), true);
    await startUpload('acme/sweep');
    const uploadsDir = join(t.dataDir, 'gateway', 'uploads');
    assert.ok(readdirSync(uploadsDir).length > 0);
    // A staging folder an import killed before it moved its records in left behind.
    const staging = join(t.dataDir, 'gateway', '.import-killed');
    mkdirSync(join(staging, 'blobs'), { recursive: true });
    writeFileSync(join(staging, 'blobs', `${blob.digest.replace(':', '-')}.json`), '{}');
    const result = await t.gateway.gateway.sweep(Date.now() + 48 * 3600_000);
    assert.ok(result.blobs >= 2 && result.uploads >= 1);
    assert.equal(result.imports, 1);
    assert.equal(existsSync(staging), false, 'the staging folder of a killed import stays');
    assert.equal(readdirSync(uploadsDir).length, 0);
    assert.equal(existsSync(join(t.dataDir, 'gateway', 'blobs', `${blob.digest.replace(':', '-')}.json`)), false);
    assert.equal(await t.store.isPinned(cid), false, 'the unreferenced blob is still pinned');
    assert.equal(await t.store.isPinned(keptCid), true, 'a blob recorded on chain lost its pin');
    // The embedded store has no GC of its own: the sweep deleted the released blob's blocks.
    assert.ok((result.ipfs?.removedBlocks ?? 0) >= 1, `removed ${result.ipfs?.removedBlocks} blocks`);
    assert.equal(await t.store.has(cid), false, 'the unreferenced blob\'s blocks are still on disk');
    assert.equal(await t.store.has(keptCid), true, 'a blob recorded on chain lost its blocks');
    const gone = await fetch(`${t.url}/v2/acme/sweep/blobs/${blob.digest}`);
    assert.equal(gone.status, 404);
  });

  it('pins again, before collecting anything, the content of records whose pins were released under them, and reports records whose content is gone', async () => {
    const image = makeImage([randomBlob(3000), randomBlob(4000)]);
    assert.equal((await pushImage(t.url, 'acme/repin', 'v1', image)).status, 201);
    const cidOf = (digest: string) => JSON.parse(readFileSync(join(t.dataDir, 'gateway', 'blobs', `${digest.replace(':', '-')}.json`), 'utf8')).cid as string;
    const [released, deleted] = image.layers.map((layer) => cidOf(layer.digest));
    // Both pins released under the records (as a failed import beside the gateway, or `ipfs pin rm`,
    // can); the second layer's blocks collected too, before any sweep put its pin back.
    await t.store.unpin(released);
    await t.store.unpin(deleted);
    await t.store.unpin(cidOf(image.manifest.digest));
    await t.store.collectGarbage(Date.now() + 1000, () => undefined);
    assert.equal(await t.store.has(released), false, 'garbage collection kept an unpinned blob');
    // Only the second layer is gone for this check: the first and the manifest are put back from the bytes pushed.
    await t.store.put([image.layers[0].bytes]);
    await t.store.put([image.manifest.bytes], { pin: false });
    await t.store.unpin(released);
    const result = await t.gateway.gateway.sweep(Date.now() + 48 * 3600_000);
    assert.ok(result.pins.repinned >= 2, `pinned again: ${result.pins.repinned}`);
    assert.equal(await t.store.isPinned(released), true, 'a recorded blob whose pin was released is still unpinned');
    assert.equal(await t.store.isPinned(cidOf(image.manifest.digest)), true, 'a recorded manifest whose pin was released is still unpinned');
    assert.equal(await t.store.has(released), true, 'the sweep collected a recorded blob');
    assert.ok(result.pins.gone >= 1 && result.pins.goneDigests.includes(image.layers[1].digest), `content gone: ${JSON.stringify(result.pins)}`);
    const pulled = await fetch(`${t.url}/v2/acme/repin/blobs/${image.layers[0].digest}`);
    assert.equal(pulled.status, 200);
    assert.ok(Buffer.from(await pulled.arrayBuffer()).equals(image.layers[0].bytes));
  });

  it("a failed publish's blob is released whole even when a sweep runs while it is released: no pin is left that no record holds", async () => {
    const { context } = t.gateway.gateway;
    const bytes = randomBlob(5000).bytes;
    const digest = digestOf(bytes);
    const { cid } = await t.store.put([bytes]);
    await context.local.commit({ digest, cid, size: bytes.length, committedAt: Date.now() }, 'acme/released');
    // The cleanup of this process (or of another on the same data dir) runs as the blob's pin is
    // released: its first step pins again the content of every record it finds.
    let swept = false;
    const store = new Proxy(context.store, {
      get: (target, property, receiver) => property === 'unpin'
        ? async (unpinned: string) => {
          await target.unpin(unpinned);
          await t.gateway.gateway.sweep(Date.now() - 3600_000);
          swept = true;
        }
        : Reflect.get(target, property, receiver),
    });
    await releaseBlobs({ ...context, store }, [{ digest, cid, size: bytes.length, isNew: true }]);
    assert.equal(swept, true, 'the pin was released');
    assert.equal(await context.local.get(digest), undefined, 'the record is gone');
    assert.equal(await t.store.isPinned(cid), false, 'a pin no record holds was left');
  });
});
