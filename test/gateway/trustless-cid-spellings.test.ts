// One CID, several spellings: a CIDv0 (Qm…) asked for is the CAR's root as asked (the trustless
// gateway specification: the header's root is the CID requested), its root block listed under it
// too, and its raw block served; an upper-case base32 CID (multibase B, BAFY…) names the same CID
// as its lower-case spelling and is served alike. And every answer of /ipfs/, refusals included,
// says nosniff: an error's text echoes the CID asked for.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import express from 'express';
import type { CID } from 'multiformats/cid';
import type { BlobStore } from '../../src/ipfs';
import { ipfsModules } from '../../src/ipfs/esm';
import type { RecordedCids } from '../../src/gateway/trustless/recorded-cids';
import { trustlessRoutes } from '../../src/gateway/trustless/routes';
import { type Block, rawBlock, unixfsNode } from './helpers/dag';
import { carBlocks, heldBlocksStore, listenOnLoopback } from './helpers/trustless-route';

describe('trustless gateway: CID spellings and nosniff', () => {
  let server: http.Server;
  let base: string;
  let root: Block;
  let leaf: Block;
  let unrecorded: Block;
  /** Recorded, but not held here. */
  let absent: Block;
  let broken: Block;
  /** Set by a test: the next answer to "is it recorded?" is "not known yet". */
  let learning = false;

  before(async () => {
    leaf = await rawBlock(new Uint8Array([1, 2, 3, 4, 5]));
    root = await unixfsNode('file', [{ cid: leaf.cid, size: 5 }]);
    unrecorded = await rawBlock(new Uint8Array([9, 9, 9]));
    absent = await unixfsNode('file', [{ cid: leaf.cid, size: 5 }, { cid: leaf.cid, size: 5 }]);
    broken = await rawBlock(new Uint8Array([7, 7, 7]));
    const held = new Map([root, leaf, unrecorded].map((b) => [b.cid.toString(), b.bytes]));
    const recorded = {
      allows: async (cid: CID) => !cid.equals(unrecorded.cid.toV1()),
      get learning() {
        return learning;
      },
      allowChildren: () => undefined,
    } as unknown as RecordedCids;
    const inMemory = await heldBlocksStore(held, async (cid: CID) => held.get(cid.toV1().toString()));
    const store = {
      ...inMemory,
      getBlock: async (text: string) => {
        if (text === broken.cid.toString()) throw new Error('the disk is on fire');
        return inMemory.getBlock(text);
      },
    } as unknown as BlobStore;
    const log = () => undefined;
    const app = express();
    app.use(trustlessRoutes({ store, recorded, log }, log));
    ({ server, base } = await listenOnLoopback(app));
  });

  after(() => {
    server?.closeAllConnections();
    server?.close();
  });

  const ipfs = (cid: string, query = '', init: RequestInit = {}) => fetch(`${base}/ipfs/${cid}${query}`, init);

  it('answers a CIDv0 with a CAR whose root, and root block, are that CIDv0', async () => {
    const v0 = root.cid.toV0();
    const response = await ipfs(v0.toString(), '?format=car');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-ipfs-roots'), v0.toString());
    assert.equal(response.headers.get('x-ipfs-path'), `/ipfs/${v0}`);
    assert.equal(response.headers.get('content-disposition'), `attachment; filename="${v0}.car"`);
    const etag = response.headers.get('etag');
    const { roots, blocks } = await carBlocks(response);
    assert.equal(roots.length, 1);
    assert.equal(roots[0].version, 0, 'the root stays a CIDv0');
    assert.ok(roots[0].equals(v0), `the root is ${roots[0]}, not the ${v0} asked for`);
    assert.ok(blocks[0].cid.equals(v0), `the root block is listed as ${blocks[0].cid}, not as the root ${v0}`);
    assert.deepEqual(blocks.slice(1).map((b) => b.cid.toString()), [leaf.cid.toString()]);
    // The same DAG asked for by its CIDv1 is another CAR (another root): another entity tag.
    const v1 = await ipfs(root.cid.toString(), '?format=car');
    assert.notEqual(v1.headers.get('etag'), etag);
    const v1Car = await carBlocks(v1);
    assert.ok(v1Car.roots[0].equals(root.cid));
    assert.ok(v1Car.blocks[0].cid.equals(root.cid));
  });

  it('answers a CIDv0 with dag-scope=block: the root block alone, under the CIDv0', async () => {
    const v0 = root.cid.toV0();
    const { roots, blocks } = await carBlocks(await ipfs(v0.toString(), '?format=car&dag-scope=block'));
    assert.ok(roots[0].equals(v0));
    assert.equal(blocks.length, 1);
    assert.ok(blocks[0].cid.equals(v0));
  });

  it('serves a CIDv0 as a raw block (GET and HEAD)', async () => {
    const v0 = root.cid.toV0().toString();
    const response = await ipfs(v0, '?format=raw');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/vnd.ipld.raw');
    assert.equal(response.headers.get('x-ipfs-roots'), v0);
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), root.bytes);
    const accepted = await ipfs(v0, '', { headers: { accept: 'application/vnd.ipld.raw' } });
    assert.equal(accepted.status, 200);
    assert.deepEqual(new Uint8Array(await accepted.arrayBuffer()), root.bytes);
    const head = await ipfs(v0, '?format=raw', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(root.bytes.byteLength));
  });

  it('names a CIDv0 as asked in its refusals', async () => {
    const outside = await ipfs(root.cid.toV0().toString(), '?format=car&entity-bytes=100:200');
    assert.equal(outside.status, 400);
    assert.match(await outside.text(), new RegExp(`lies outside the 5 bytes of ${root.cid.toV0()}\\n?$`));
    const notHeld = await ipfs(absent.cid.toV0().toString(), '?format=raw');
    assert.equal(notHeld.status, 404);
    assert.equal((await notHeld.text()).trim(), `${absent.cid.toV0()} is recorded, but this gateway does not hold it`);
  });

  it('serves an upper-case base32 CID (BAFY…) as the CID it names', async () => {
    const m = await ipfsModules();
    const upper = root.cid.toString(m.base32upper);
    assert.match(upper, /^BAFY/);
    const car = await ipfs(upper, '?format=car');
    assert.equal(car.status, 200, await car.clone().text());
    const { roots, blocks } = await carBlocks(car);
    assert.ok(roots[0].equals(root.cid));
    assert.deepEqual(blocks.map((b) => b.cid.toString()), [root.cid.toString(), leaf.cid.toString()]);
    const raw = await ipfs(leaf.cid.toString(m.base32upper), '?format=raw');
    assert.equal(raw.status, 200);
    assert.deepEqual(new Uint8Array(await raw.arrayBuffer()), leaf.bytes);
    // What is no upper-case base32 stays a 400, with what is wrong with it.
    const bad = await ipfs('BAFY0000', '?format=raw');
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /is not a usable blob CID/);
  });

  it('says nosniff on every answer: 200, 304, and each refusal, GET and HEAD', async () => {
    const cases: [string, RequestInit, string, number][] = [
      ['a block', {}, `${root.cid}?format=raw`, 200],
      ['a CAR', {}, `${root.cid}?format=car`, 200],
      ['not modified', { headers: { 'if-none-match': `"${root.cid}.raw"` } }, `${root.cid}?format=raw`, 304],
      ['no CID', {}, 'not-a-cid?format=raw', 400],
      ['no format', {}, `${root.cid}`, 400],
      ['not recorded', {}, `${unrecorded.cid}?format=raw`, 404],
      ['not held', {}, `${(await rawBlock(new Uint8Array([0]))).cid}?format=raw`, 404],
      ['only if cached', { headers: { 'cache-control': 'only-if-cached' } }, `${(await rawBlock(new Uint8Array([0]))).cid}?format=raw`, 412],
      ['an internal error', {}, `${broken.cid}?format=raw`, 500],
    ];
    for (const [what, init, path, status] of cases) {
      for (const method of ['GET', 'HEAD']) {
        const response = await fetch(`${base}/ipfs/${path}`, { ...init, method });
        await response.arrayBuffer();
        assert.equal(response.status, status, `${what} (${method})`);
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff', `${what} (${method}) answered ${status} without nosniff`);
      }
    }
    const post = await fetch(`${base}/ipfs/${root.cid}`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('x-content-type-options'), 'nosniff', 'a 405 without nosniff');
    learning = true;
    try {
      for (const method of ['GET', 'HEAD']) {
        const response = await fetch(`${base}/ipfs/${unrecorded.cid}?format=raw`, { method });
        assert.equal(response.status, 503);
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff', `a 503 (${method}) without nosniff`);
      }
    } finally {
      learning = false;
    }
  });
});
