// The gateway as an IPFS trustless gateway (GET/HEAD /ipfs/{cid}): raw blocks and CARs of
// content chain records point at, read back with @ipld/car's reader and checked block by block
// against their CIDs; dag-scope and entity-bytes; content negotiation; and 404 for CIDs no
// record points at (content uploaded but never recorded, or anything else in the store).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { digestInfo } from '../../src/chain';
import { startGateway } from '../../src/gateway';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { ipfsModules } from '../../src/ipfs/esm';
import { makeImage, pushBlob, pushImage, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { carBlocks } from './helpers/trustless-route';


const RAW = 0x55;
const leafBytes = (blocks: { cid: CID; bytes: Uint8Array }[]) => Buffer.concat(blocks.filter((b) => b.cid.code === RAW).map((b) => b.bytes));

describe('trustless gateway', () => {
  let t: TestGateway;
  let image: ImageParts;
  let layerCid: string;

  before(async () => {
    t = await startTestGateway();
    image = makeImage([randomBlob(3 * 1024 * 1024 + 333)]);
    await pushImage(t.url, 'acme/web', 'v1', image);
    layerCid = (await digestInfo(t.chain.api, image.layers[0].digest))!.cid.text!;
  });
  after(async () => {
    await t?.close();
  });

  const ipfs = (cid: string, query = '', init: RequestInit = {}) => fetch(`${t.url}/ipfs/${cid}${query}`, init);

  it('serves a recorded CID as a CAR: every block verified, the leaves in file order, the headers the specification asks for', async () => {
    const response = await ipfs(layerCid, '?format=car');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/vnd.ipld.car; version=1; order=dfs; dups=n');
    assert.equal(response.headers.get('content-disposition'), `attachment; filename="${layerCid}.car"`);
    assert.equal(response.headers.get('x-ipfs-path'), `/ipfs/${layerCid}`);
    assert.match(response.headers.get('etag') ?? '', new RegExp(`^"${layerCid}\\.car\\.`));
    const { roots, blocks } = await carBlocks(response);
    assert.deepEqual(roots.map(String), [layerCid]);
    assert.equal(blocks[0].cid.toString(), layerCid);
    assert.deepEqual(leafBytes(blocks), image.layers[0].bytes);
  });

  it('serves the root alone as a raw block, then each block below it by its CID', async () => {
    const raw = await ipfs(layerCid, '', { headers: { Accept: 'application/vnd.ipld.raw' } });
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get('content-type'), 'application/vnd.ipld.raw');
    assert.equal(raw.headers.get('content-location'), `/ipfs/${layerCid}?format=raw`);
    const m = await ipfsModules();
    const rootBytes = new Uint8Array(await raw.arrayBuffer());
    assert.ok(m.CID.createV1(0x70, await m.sha256.digest(rootBytes)).equals(m.CID.parse(layerCid)));
    const links = m.dagPb.decode(rootBytes).Links;
    assert.equal(links.length, 13);
    const leaves = [];
    for (const link of links) {
      const leaf = await ipfs(link.Hash.toString(), '?format=raw');
      assert.equal(leaf.status, 200, `leaf ${link.Hash}`);
      leaves.push(Buffer.from(await leaf.arrayBuffer()));
    }
    assert.deepEqual(Buffer.concat(leaves), image.layers[0].bytes);
  });

  it('dag-scope=block is the root only; entity-bytes sends the blocks a byte range needs', async () => {
    const root = await carBlocks(await ipfs(layerCid, '?format=car&dag-scope=block'));
    assert.deepEqual(root.blocks.map((b) => b.cid.toString()), [layerCid]);
    const first = await carBlocks(await ipfs(layerCid, '?format=car&entity-bytes=0:1023'));
    assert.equal(first.blocks.length, 2);
    assert.deepEqual(leafBytes(first.blocks), image.layers[0].bytes.subarray(0, 262_144));
    const last = await carBlocks(await ipfs(layerCid, '?format=car&entity-bytes=-100:*'));
    assert.equal(last.blocks.length, 2);
    assert.deepEqual(leafBytes(last.blocks), image.layers[0].bytes.subarray(12 * 262_144));
    const outside = await ipfs(layerCid, `?format=car&entity-bytes=${image.layers[0].size + 5}:*`);
    assert.equal(outside.status, 400);
  });

  it('chooses by Accept when no format is given, answers HEAD without a body, and 304 for a matching ETag', async () => {
    const car = await ipfs(layerCid, '', { headers: { Accept: 'text/html;q=0.9, application/vnd.ipld.car;version=1;order=dfs' } });
    assert.equal(car.headers.get('content-type'), 'application/vnd.ipld.car; version=1; order=dfs; dups=n');
    await car.arrayBuffer();
    const head = await ipfs(layerCid, '?format=raw', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.ok(Number(head.headers.get('content-length')) > 0);
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    const again = await ipfs(layerCid, '?format=raw', { headers: { 'If-None-Match': head.headers.get('etag')! } });
    assert.equal(again.status, 304);
  });

  it('refuses what it does not serve: no format, other formats, paths, other methods, bad CIDs', async () => {
    for (const [query, init, status] of [
      ['', {}, 400],
      ['?format=json', {}, 400],
      ['?format=raw&dag-scope=all', {}, 400],
      ['?format=car&car-version=2', {}, 400],
      ['?format=car&entity-bytes=abc', {}, 400],
      ['/inside?format=car', {}, 404],
      ['?format=raw', { method: 'POST' }, 405],
    ] as const) {
      const response = await ipfs(layerCid, query, init as RequestInit);
      assert.equal(response.status, status, `${init && 'method' in init ? init.method : 'GET'} ${query}`);
      assert.match(await response.text(), /\S/);
    }
    assert.equal((await ipfs('not-a-cid', '?format=raw')).status, 400);
  });

  it('@helia/verified-fetch, a client written elsewhere, fetches and verifies a recorded CID block by block', { timeout: 120_000 }, async () => {
    const { fetchVerified } = await import('./helpers/verified-fetch');
    const fetched = await fetchVerified(t.url, layerCid);
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.body, image.layers[0].bytes);
    const refused = await fetchVerified(t.url, (await t.store.put([randomBytes(500)])).cid, 5_000);
    assert.notEqual(refused.status, 200, 'content no record points at is not served');
  });

  it('serves a block of a recorded file asked for alone, by a gateway that has not served the nodes above it (restarted)', async () => {
    const m = await ipfsModules();
    const root = await ipfs(layerCid, '?format=raw');
    const links = m.dagPb.decode(new Uint8Array(await root.arrayBuffer())).Links;
    const leaf = links[links.length - 1].Hash;
    // A gateway started afresh on a store opened afresh on the same files: nothing of the DAG read yet.
    const restartedStore = await EmbeddedBlobStore.open(embeddedIpfsDir(t.dataDir));
    const restartedDir = mkdtempSync(join(tmpdir(), 'hcr-restarted-'));
    const restarted = await startGateway({ api: t.chain.api, blobStore: restartedStore, dataDir: restartedDir, port: 0, auth: { enabled: false }, log: () => undefined });
    try {
      const response = await fetch(`${restarted.url}/ipfs/${leaf}?format=raw`);
      assert.equal(response.status, 200, await response.clone().text());
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.ok(m.CID.createV1(RAW, await m.sha256.digest(bytes)).equals(leaf));
      assert.deepEqual(bytes, image.layers[0].bytes.subarray(image.layers[0].bytes.length - bytes.length));
      // A block of content no record points at is still not served.
      const unrecorded = (await t.store.put([randomBytes(300 * 1024)])).cid;
      const unrecordedLeaf = m.dagPb.decode(await t.store.getBlock(unrecorded)).Links[0].Hash;
      assert.equal((await fetch(`${restarted.url}/ipfs/${unrecordedLeaf}?format=raw`)).status, 404);
    } finally {
      await restarted.close();
      await restartedStore.close();
      rmSync(restartedDir, { recursive: true, force: true });
    }
  });

  it('is 404 for a CID no chain record points at: content in the store, even an upload never recorded', async () => {
    const unrecorded = (await t.store.put([randomBytes(1000)])).cid;
    const uploaded = randomBlob(2000);
    assert.equal((await pushBlob(t.url, 'acme/web', uploaded)).status, 201);
    const m = await ipfsModules();
    const uploadedCid = m.CID.createV1(RAW, await m.sha256.digest(uploaded.bytes)).toString();
    for (const cid of [unrecorded, uploadedCid]) {
      const response = await ipfs(cid, '?format=raw');
      assert.equal(response.status, 404, cid);
      assert.match(await response.text(), /no chain record points at/);
    }
    // Recorded but not held here: 404 too, and 412 when only a cached answer will do.
    const elsewhere = m.CID.createV1(RAW, await m.sha256.digest(randomBytes(64))).toString();
    const { storeDigestInfo, submitTx } = await import('../../src/chain');
    await submitTx(t.chain.api, storeDigestInfo(t.chain.api, { repo: 'acme', digest: `sha256:${'f'.repeat(64)}`, type: 'File', cid: elsewhere }), t.keys.alice);
    const replica = await t.startReplica();
    const missing = await fetch(`${replica.url}/ipfs/${elsewhere}?format=raw`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /is recorded, but this gateway does not hold it/);
    assert.equal((await fetch(`${replica.url}/ipfs/${elsewhere}?format=raw`, { headers: { 'Cache-Control': 'only-if-cached' } })).status, 412);
  });
});
