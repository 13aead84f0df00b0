// Uploads go to IPFS while they arrive (src/gateway/storage/streaming-import.ts). Whatever
// happens on the way, the CID a commit records holds exactly the committed bytes, and an upload
// that is refused leaves nothing pinned.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { LocalBlobs } from '../../src/gateway/storage/local-blobs';
import { cacheFileName } from '../../src/gateway/storage/blob-cache';
import { type Blob, ociErrors, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

/** blockstore-fs's block files under the store's `blocks/`. */
function blockFileCount(ipfsDir: string): number {
  const blocks = join(ipfsDir, 'blocks');
  return readdirSync(blocks).reduce((sum, shard) => sum + readdirSync(join(blocks, shard)).filter((name) => name.endsWith('.data')).length, 0);
}

describe('uploads imported to IPFS as they arrive', () => {
  let t: TestGateway;
  let reference: EmbeddedBlobStore;
  let referenceDir: string;
  before(async () => {
    t = await startTestGateway();
    referenceDir = mkdtempSync(join(tmpdir(), 'hcr-reference-ipfs-'));
    reference = await EmbeddedBlobStore.open(embeddedIpfsDir(referenceDir));
  });
  after(async () => {
    await reference?.close();
    rmSync(referenceDir, { recursive: true, force: true });
    await t?.close();
  });

  /** The CID the bytes get when added to IPFS on their own, in a store of its own. */
  const cidOf = async (blob: Blob) => (await reference.put([blob.bytes], { pin: false })).cid;

  async function readStored(cid: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of await t.store.get(cid)) parts.push(part as Buffer);
    return Buffer.concat(parts);
  }

  /** What the commit recorded for the digest, checked against IPFS: right CID, right bytes, pinned. */
  async function assertStored(blob: Blob): Promise<void> {
    const record = await new LocalBlobs(join(t.dataDir, 'gateway', 'blobs')).get(blob.digest);
    assert.ok(record, `the gateway recorded ${blob.digest}`);
    assert.equal(record.cid, await cidOf(blob));
    assert.equal(record.size, blob.size);
    assert.ok(await t.store.isPinned(record.cid));
    assert.ok((await readStored(record.cid)).equals(blob.bytes), 'IPFS holds exactly the uploaded bytes');
  }

  async function startUpload(name: string): Promise<string> {
    const response = await fetch(`${t.url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
    assert.equal(response.status, 202);
    return response.headers.get('location')!;
  }

  const patch = (location: string, start: number, chunk: Buffer) =>
    fetch(`${t.url}${location}`, { method: 'PATCH', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${start + chunk.length - 1}` }, body: chunk });

  const commit = (location: string, digest: string) => fetch(`${t.url}${location}?digest=${digest}`, { method: 'PUT' });

  it('records the CID of exactly the uploaded bytes for chunks that straddle UnixFS block boundaries', async () => {
    // 256 KiB blocks: chunks of 100,000 bytes end mid-block, and the blob spans five blocks.
    const blob = randomBlob(1_200_000);
    const location = await startUpload('acme/streamed');
    for (let start = 0; start < blob.size; start += 100_000) {
      assert.equal((await patch(location, start, blob.bytes.subarray(start, start + 100_000))).status, 202);
    }
    assert.equal((await commit(location, blob.digest)).status, 201);
    await assertStored(blob);
  });

  it('writes each byte once: the upload file becomes the IPFS leaves and the cached copy', async () => {
    const blob = randomBlob(3_000_000);
    const ipfsDir = embeddedIpfsDir(t.dataDir);
    const blocksBefore = blockFileCount(ipfsDir);
    const location = await startUpload('acme/once');
    for (let start = 0; start < blob.size; start += 1_000_000) {
      assert.equal((await patch(location, start, blob.bytes.subarray(start, start + 1_000_000))).status, 202);
    }
    assert.equal((await commit(location, blob.digest)).status, 201);
    await assertStored(blob);
    const record = await new LocalBlobs(join(t.dataDir, 'gateway', 'blobs')).get(blob.digest);
    // Twelve 256 KiB leaves live in the one leaf file; only the root went to blocks/.
    assert.equal(blockFileCount(ipfsDir) - blocksBefore, 1);
    const leafFile = statSync(join(ipfsDir, 'files', record!.cid));
    assert.equal(leafFile.size, blob.size);
    const cached = statSync(join(t.dataDir, 'gateway', 'cache', cacheFileName(blob.digest)));
    assert.equal(cached.ino, leafFile.ino, 'the cached copy is the same file, not a copy');
    // Pulls read it back.
    const pulled = await fetch(`${t.url}/v2/acme/once/blobs/${blob.digest}`);
    assert.equal(pulled.status, 200);
    assert.ok(Buffer.from(await pulled.arrayBuffer()).equals(blob.bytes));
  });

  it('records the right CID for a monolithic upload and for an empty blob', async () => {
    for (const blob of [randomBlob(700_000), randomBlob(0)]) {
      const response = await fetch(`${t.url}/v2/acme/mono/blobs/uploads/?digest=${blob.digest}`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: blob.bytes });
      assert.equal(response.status, 201);
      await assertStored(blob);
    }
  });

  it('gives the import up when a chunk is cut off, and still records the right bytes once it is resent', async () => {
    const blob = randomBlob(900_000);
    const location = await startUpload('acme/resent');
    assert.equal((await patch(location, 0, blob.bytes.subarray(0, 300_000))).status, 202);
    // The next chunk announces 600,000 bytes, sends 250,000 (already passed on to the import) and hangs up.
    const { hostname, port } = new URL(t.url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(`PATCH ${location} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Range: 300000-899999\r\nContent-Length: 600000\r\n\r\n`);
        socket.end(blob.bytes.subarray(300_000, 550_000));
      });
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
      socket.resume();
    });
    // The cut-off chunk is undone once the server has seen the connection end.
    let range = '';
    for (let i = 0; i < 50 && range !== '0-299999'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      range = (await fetch(`${t.url}${location}`)).headers.get('range') ?? '';
    }
    assert.equal(range, '0-299999');
    assert.equal((await patch(location, 300_000, blob.bytes.subarray(300_000))).status, 202);
    assert.equal((await commit(location, blob.digest)).status, 201);
    await assertStored(blob);
  });

  it('pins nothing for an upload whose digest is wrong, nor for one that is cancelled', async () => {
    const refused = randomBlob(600_000);
    let location = await startUpload('acme/refused');
    assert.equal((await patch(location, 0, refused.bytes)).status, 202);
    const response = await commit(location, randomBlob(10).digest);
    assert.equal(response.status, 400);
    assert.equal((await ociErrors(response))[0].code, 'DIGEST_INVALID');

    const cancelled = randomBlob(600_000);
    location = await startUpload('acme/refused');
    assert.equal((await patch(location, 0, cancelled.bytes)).status, 202);
    assert.equal((await fetch(`${t.url}${location}`, { method: 'DELETE' })).status, 204);

    // Give an import that was wrongly kept going the time to finish and pin.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const blob of [refused, cancelled]) assert.equal(await t.store.isPinned(await cidOf(blob)), false);
  });

  it('imports from the upload file when the upload was started by another gateway process', async () => {
    // A second gateway process on the same data dir shares uploads only through their files, so
    // it has no import under way for this one.
    const blob = randomBlob(500_000);
    const location = await startUpload('acme/handover');
    assert.equal((await patch(location, 0, blob.bytes.subarray(0, 200_000))).status, 202);
    // The replica is closed with the test gateway.
    const other = await t.startReplica({ dataDir: t.dataDir, gatewaySigner: t.keys.gateway });
    const response = await fetch(`${other.url}${location}?digest=${blob.digest}`, { method: 'PUT', headers: { 'Content-Range': `200000-${blob.size - 1}`, 'Content-Type': 'application/octet-stream' }, body: blob.bytes.subarray(200_000) });
    assert.equal(response.status, 201);
    await assertStored(blob);
  });
});
