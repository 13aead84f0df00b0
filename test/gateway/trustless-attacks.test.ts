// The trustless gateway against content crafted to cost it: anyone can record anything, so a DAG
// whose nodes link to the same child over and over (few blocks, countless paths) must cost what
// its distinct blocks cost, when its nodes are learnt and when it is sent as a CAR; a recorded
// block that is no UnixFS file is still served as a block; a block not known yet is a 503 to
// retry, not a 404; and If-None-Match and Accept are read as the HTTP specification has them
// (lists, weak tags, q values).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { CID } from 'multiformats/cid';
import { storeDigestInfo, submitTx } from '../../src/chain';
import type { ChainReader } from '../../src/gateway/resolve/chain-reader';
import { ipfsModules } from '../../src/ipfs/esm';
import { RecordedCids } from '../../src/gateway/trustless/recorded-cids';
import { trustlessRoutes } from '../../src/gateway/trustless/routes';
import { type Block, rawBlock, unixfsNode } from './helpers/dag';
import { startTestGateway, type TestGateway } from './helpers/gateway';

/** A file node linking `fanout` times to the one child `child`. */
const repeated = (child: Block, size: number, fanout: number) => unixfsNode('file', Array.from({ length: fanout }, () => ({ cid: child.cid, size })));

/** The CIDs of a CAR answer's blocks, in order. */
async function carCids(response: Response): Promise<string[]> {
  const { CarBlockIterator } = await import('@ipld/car');
  const iterator = await CarBlockIterator.fromBytes(new Uint8Array(await response.arrayBuffer()));
  const cids = [];
  for await (const block of iterator) cids.push(block.cid.toString());
  return cids;
}

const FANOUT = 174;

/** The crafted DAGs, all recorded before the first request (chain storage is scanned at most every few seconds). */
async function craft() {
  const enc = (text: string) => new TextEncoder().encode(text);
  // 5 blocks, 174^4 paths from the root to the leaf.
  const tinyLeaf = await rawBlock(new Uint8Array([1]));
  const levels = [await repeated(tinyLeaf, 1, FANOUT)];
  for (let depth = 1; depth < 4; depth++) levels.push(await repeated(levels[depth - 1], FANOUT ** depth, FANOUT));
  // 4 blocks, 174^3 leaf positions: 5 GiB of zeros by its sizes.
  const zeros = await rawBlock(new Uint8Array(1024));
  const y = await repeated(zeros, 1024, FANOUT);
  const x = await repeated(y, 1024 * FANOUT, FANOUT);
  const bomb = await repeated(x, 1024 * FANOUT * FANOUT, FANOUT);
  // A file of three times the same 8-byte subtree of two distinct leaves.
  const a = await rawBlock(enc('AAAA'));
  const b = await rawBlock(enc('BBBB'));
  const ab = await unixfsNode('file', [
    { cid: a.cid, size: 4 },
    { cid: b.cid, size: 4 },
  ]);
  const thrice = await repeated(ab, 8, 3);
  const hello = await rawBlock(enc('hello world'));
  const dir = await unixfsNode('directory', [{ cid: hello.cid, size: 11, name: 'hello' }]);
  const smallLeaf = await rawBlock(enc('small'));
  const small = await unixfsNode('file', [{ cid: smallLeaf.cid, size: 5 }]);
  return {
    deep: { root: levels[3], levels, blocks: [tinyLeaf, ...levels] },
    bomb: { root: bomb, x, y, zeros, blocks: [zeros, y, x, bomb] },
    thrice: { root: thrice, ab, a, b, blocks: [a, b, ab, thrice] },
    dir: { root: dir, blocks: [hello, dir] },
    small: { root: small, blocks: [smallLeaf, small] },
  };
}

describe('trustless gateway: crafted content and HTTP details', () => {
  let t: TestGateway;
  let dags: Awaited<ReturnType<typeof craft>>;

  before(async () => {
    t = await startTestGateway();
    dags = await craft();
    let records = 0;
    for (const { root, blocks } of Object.values(dags)) {
      await t.store.putBlockSet((async function* () {
        yield* blocks;
      })());
      const digest = `sha256:${(++records).toString(16).padStart(64, 'a')}`;
      await submitTx(t.chain.api, storeDigestInfo(t.chain.api, { repo: 'acme', digest, type: 'File', cid: root.cid.toString() }), t.keys.alice);
    }
  });
  after(async () => {
    await t?.close();
  });

  const ipfs = (cid: CID | string, query = '', init: RequestInit = {}) => fetch(`${t.url}/ipfs/${cid}${query}`, { signal: AbortSignal.timeout(10_000), ...init });
  const cidsOf = (blocks: Block[]) => blocks.map((block) => block.cid.toString());

  it('answers a CID no record points at promptly, though a recorded DAG links one node to another 174 times a level', { timeout: 30_000 }, async () => {
    const m = await ipfsModules();
    const unknown = m.CID.createV1(m.raw.code, await m.sha256.digest(new TextEncoder().encode('never recorded')));
    const started = Date.now();
    assert.equal((await ipfs(unknown, '?format=raw')).status, 404);
    assert.ok(Date.now() - started < 5_000, `answered after ${Date.now() - started} ms`);
    // The nodes were learnt all the same: a block deep inside is served alone.
    const inner = await ipfs(dags.deep.levels[0].cid, '?format=raw');
    assert.equal(inner.status, 200, await inner.clone().text());
  });

  it('learns a DAG larger than one pass may read over several passes, each reading its share', async () => {
    const leaf = await rawBlock(new Uint8Array([2]));
    const chain = [await unixfsNode('file', [{ cid: leaf.cid, size: 1 }])];
    for (let i = 1; i < 4; i++) chain.push(await unixfsNode('file', [{ cid: chain[i - 1].cid, size: 1 }]));
    const held = new Map(chain.map((b) => [b.cid.toString(), b.bytes]));
    let reads = 0;
    const recorded = new RecordedCids({
      chain: { recordedCids: async () => [chain[3].cid.toString()] } as unknown as ChainReader,
      log: () => undefined,
      localBlock: async (cid) => (reads++, held.get(cid)),
      limits: { nodesPerPass: 2, intervalMs: 0 },
    });
    // Four nodes above the leaf, two a pass: the leaf is known after the second pass, not the first.
    assert.equal(await recorded.allows(leaf.cid), false);
    assert.equal(reads, 2);
    assert.equal(await recorded.allows(leaf.cid), true);
    assert.equal(reads, 4, 'the second pass takes up the walk where the first stopped');
  });

  it('learns again the blocks of held files it had to forget for newer ones, and keeps a block asked for while it does', async () => {
    const leavesOf = (tag: number) => Promise.all([0, 1, 2].map((i) => rawBlock(new Uint8Array([tag, i]))));
    const [aLeaves, bLeaves] = await Promise.all([leavesOf(10), leavesOf(11)]);
    const fileOf = (leaves: Block[]) => unixfsNode('file', leaves.map((leaf) => ({ cid: leaf.cid, size: 2 })));
    const [fileA, fileB] = await Promise.all([fileOf(aLeaves), fileOf(bLeaves)]);
    const held = new Map([fileA, fileB].map((b) => [b.cid.toString(), b.bytes]));
    let reads = 0;
    const recorded = new RecordedCids({
      chain: { recordedCids: async () => [fileA.cid.toString(), fileB.cid.toString()] } as unknown as ChainReader,
      log: () => undefined,
      localBlock: async (cid) => (reads++, held.get(cid)),
      limits: { intervalMs: 0, maxChildren: 4 },
    });
    // Six leaves, four remembered: learning B's pushed out A's first two.
    assert.equal(await recorded.allows(bLeaves[2].cid), true);
    assert.equal(reads, 2);
    // Asked for, A's first leaf is learnt again, and kept while B's leaves come after it.
    assert.equal(await recorded.allows(aLeaves[0].cid), true, 'a block forgotten for newer ones is never served again');
    assert.equal(reads, 4, 'both files are read again');
    assert.equal(await recorded.allows(bLeaves[0].cid), true);
    // What no held file names is still refused.
    assert.equal(await recorded.allows((await rawBlock(new Uint8Array([12]))).cid), false);
  });

  it('answers 503 with Retry-After, not 404, for a block of a held file it has not read that far yet', async () => {
    const leaf = await rawBlock(new Uint8Array([3]));
    const nodes = [await unixfsNode('file', [{ cid: leaf.cid, size: 1 }])];
    for (let i = 1; i < 4; i++) nodes.push(await unixfsNode('file', [{ cid: nodes[i - 1].cid, size: 1 }]));
    await t.store.putBlockSet((async function* () {
      yield* [leaf, ...nodes];
    })());
    const recorded = new RecordedCids({
      chain: { recordedCids: async () => [nodes[3].cid.toString()] } as unknown as ChainReader,
      log: () => undefined,
      localBlock: (cid) => t.store.getBlock(cid).catch(() => undefined),
      limits: { nodesPerPass: 2, intervalMs: 0 },
    });
    const app = express();
    app.use(trustlessRoutes({ store: t.store, recorded, log: () => undefined }, () => undefined));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // The first pass reads two of the four nodes above the leaf: it cannot say yet.
      const early = await fetch(`${url}/ipfs/${leaf.cid}?format=raw`);
      assert.equal(early.status, 503);
      assert.equal(early.headers.get('retry-after'), '2');
      assert.match(await early.text(), /not known here yet: the gateway is still reading the blocks of the recorded files it holds; retry shortly/);
      const later = await fetch(`${url}/ipfs/${leaf.cid}?format=raw`);
      assert.equal(later.status, 200);
      assert.deepEqual(new Uint8Array(await later.arrayBuffer()), new Uint8Array([3]));
      // Everything held is read now: what is still unknown is not recorded.
      const m = await ipfsModules();
      const stranger = m.CID.createV1(m.raw.code, await m.sha256.digest(new Uint8Array([4])));
      assert.equal((await fetch(`${url}/ipfs/${stranger}?format=raw`)).status, 404);
    } finally {
      server.close();
    }
  });

  it('sends a CAR of a file of repeated subtrees (174^3 leaf positions, 4 distinct blocks) in time proportional to its blocks', { timeout: 60_000 }, async () => {
    const { root, x, y, zeros } = dags.bomb;
    const started = Date.now();
    const response = await ipfs(root.cid, '?format=car');
    assert.equal(response.status, 200);
    assert.deepEqual(await carCids(response), cidsOf([root, x, y, zeros]));
    assert.ok(Date.now() - started < 5_000, `answered after ${Date.now() - started} ms`);
  });

  it('with entity-bytes, walks again a repeated subtree the range cut into before, sending what it lacked', async () => {
    const { root, ab, a, b } = dags.thrice;
    // Bytes 4..23: the first ab only in part (its b), the second whole (its a too), the third nothing new.
    assert.deepEqual(await carCids(await ipfs(root.cid, '?format=car&entity-bytes=4:23')), cidsOf([root, ab, b, a]));
    // From byte 0, ab is sent whole once.
    assert.deepEqual(await carCids(await ipfs(root.cid, '?format=car&entity-bytes=0:*')), cidsOf([root, ab, a, b]));
  });

  it('serves a recorded UnixFS directory as a raw block and with dag-scope=block, and refuses its DAG with a 400 that says why', async () => {
    const { root: dir } = dags.dir;
    const block = await ipfs(dir.cid, '?format=raw');
    assert.equal(block.status, 200);
    assert.deepEqual(new Uint8Array(await block.arrayBuffer()), dir.bytes);
    const scoped = await ipfs(dir.cid, '?format=car&dag-scope=block');
    assert.equal(scoped.status, 200);
    assert.deepEqual(await carCids(scoped), cidsOf([dir]));
    for (const query of ['?format=car', '?format=car&dag-scope=entity', '?format=car&entity-bytes=0:10']) {
      const refused = await ipfs(dir.cid, query);
      assert.equal(refused.status, 400, query);
      assert.match(await refused.text(), /not a UnixFS file \(it names a UnixFS directory, not a file\).*format=raw or dag-scope=block/);
    }
  });

  it('answers 304 to If-None-Match with a list, a weak tag or *, and 200 when no tag matches', async () => {
    const { root: file } = dags.small;
    const etag = (await ipfs(file.cid, '?format=raw')).headers.get('etag')!;
    assert.ok(etag);
    for (const ifNoneMatch of [etag, `"other", ${etag}`, `W/${etag}`, `"a,b" ,W/${etag}`, '*']) {
      assert.equal((await ipfs(file.cid, '?format=raw', { headers: { 'If-None-Match': ifNoneMatch } })).status, 304, ifNoneMatch);
    }
    for (const ifNoneMatch of ['"other"', `"other", W/"${etag.slice(1, -1)}.car"`]) {
      const response = await ipfs(file.cid, '?format=raw', { headers: { 'If-None-Match': ifNoneMatch } });
      assert.equal(response.status, 200, ifNoneMatch);
      await response.arrayBuffer();
    }
  });

  it('chooses among Accept entries by q, passing over a CAR variant it does not serve, and refuses only when none can be served', async () => {
    const { root: file } = dags.small;
    const CAR = 'application/vnd.ipld.car; version=1; order=dfs; dups=n';
    for (const [accept, status, type] of [
      ['application/vnd.ipld.car;version=2;q=0, application/vnd.ipld.car', 200, CAR],
      ['application/vnd.ipld.car;order=foo, application/vnd.ipld.car;order=dfs;dups=y;q=0.5', 200, CAR],
      ['application/vnd.ipld.car;version=2, application/vnd.ipld.raw;q=0.5', 200, 'application/vnd.ipld.raw'],
      ['application/vnd.ipld.raw;q=0.2, application/vnd.ipld.car;q=0.9', 200, CAR],
      ['application/vnd.ipld.car;q=0, application/vnd.ipld.raw', 200, 'application/vnd.ipld.raw'],
      ['application/vnd.ipld.car;version=2', 400, undefined],
      ['application/vnd.ipld.car;version=1;q=0, text/html', 400, undefined],
    ] as const) {
      const response = await ipfs(file.cid, '', { headers: { Accept: accept } });
      assert.equal(response.status, status, accept);
      if (type) assert.equal(response.headers.get('content-type'), type, accept);
      await response.arrayBuffer();
    }
  });
});
