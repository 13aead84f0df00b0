// The trustless gateway of a gateway on a Kubo node answers from what the node holds, never from
// the IPFS network: otherwise anyone could record the CID of any public content on chain and have
// the gateway fetch and serve it (an open IPFS gateway for anything recorded), and every CID
// recorded that nobody has would hold up the passes over recorded files for Kubo's lookup timeout.
// The gateway's Kubo store points at a recording proxy in front of the embedded store's Kubo API;
// for calls made online (without `offline=true`) the proxy plays the IPFS network, answering
// block/get for the blocks of a "public" file the node does not hold. Every call the trustless
// routes and RecordedCids' passes make must carry offline=true; an OCI pull may still go online.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { storeDigestInfo, submitTx } from '../../src/chain';
import type { RunningGateway } from '../../src/gateway';
import { type Block, rawBlock, unixfsNode } from './helpers/dag';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { makeImage, pushImage, randomBlob } from './helpers/oci-client';
import { type ReplicaOnKubo, replicaOnKubo } from './helpers/replica-on-kubo';

/** One Kubo RPC call as the proxy saw it. */
interface KuboCall {
  readonly command: string;
  readonly arg?: string;
  readonly offline: boolean;
}

/**
 * Records every call to the Kubo API and, for calls made online, answers
 * block/get for the blocks in `network` itself, as a Kubo node that found them on the IPFS network would.
 */
function recording(network: ReadonlyMap<string, Uint8Array>, calls: KuboCall[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const command = url.pathname.replace(/^\/api\/v0\//, '');
    const arg = url.searchParams.get('arg') ?? undefined;
    const offline = url.searchParams.get('offline') === 'true';
    calls.push({ command, arg, offline });
    const fromNetwork = command === 'block/get' && !offline && arg ? network.get(arg) : undefined;
    if (!fromNetwork) return false;
    req.resume();
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': fromNetwork.byteLength }).end(fromNetwork);
    return true;
  };
}

describe('trustless gateway on a Kubo store: the node\'s own blocks only, never the IPFS network', () => {
  let t: TestGateway;
  let onKubo: ReplicaOnKubo;
  let replica: RunningGateway;
  const calls: KuboCall[] = [];
  const enc = (text: string) => new TextEncoder().encode(text);
  let held: { root: Block; leaf: Block };
  let published: { root: Block; leaf: Block };
  let missing: Block;
  const image = makeImage([randomBlob(3000)]);

  before(async () => {
    t = await startTestGateway();
    // A file the node holds, one only the IPFS network has, and one nobody has: all recorded.
    const heldLeaf = await rawBlock(enc('held by the node'));
    held = { leaf: heldLeaf, root: await unixfsNode('file', [{ cid: heldLeaf.cid, size: heldLeaf.bytes.length }]) };
    const publicLeaf = await rawBlock(enc('public content on the IPFS network'));
    published = { leaf: publicLeaf, root: await unixfsNode('file', [{ cid: publicLeaf.cid, size: publicLeaf.bytes.length }]) };
    const nowhereLeaf = await rawBlock(enc('nobody has this'));
    missing = await unixfsNode('file', [{ cid: nowhereLeaf.cid, size: nowhereLeaf.bytes.length }]);
    await t.store.putBlockSet((async function* () {
      yield held.leaf;
      yield held.root;
    })());
    const network = new Map([published.root, published.leaf].map((block) => [block.cid.toString(), block.bytes]));
    let records = 0;
    for (const root of [held.root, published.root, missing]) {
      const digest = `sha256:${(++records).toString(16).padStart(64, 'c')}`;
      await submitTx(t.chain.api, storeDigestInfo(t.chain.api, { repo: 'acme', digest, type: 'File', cid: root.cid.toString() }), t.keys.alice);
    }
    await pushImage(t.url, 'acme/web', 'v1', image);
    // A read-only gateway on the same chain whose store is the Kubo node behind the proxy.
    onKubo = await replicaOnKubo(t, recording(network, calls));
    replica = onKubo.replica;
  });
  after(async () => {
    await onKubo?.close();
    await t?.close();
  });

  const ipfs = (cid: Block['cid'], query = '', init: RequestInit = {}) => fetch(`${replica.url}/ipfs/${cid}${query}`, { signal: AbortSignal.timeout(20_000), ...init });
  /** The calls made without offline=true, as `command arg` lines for the assertion message. */
  const online = () => calls.filter((call) => !call.offline).map((call) => `${call.command} ${call.arg ?? ''}`);
  const readsOf = (block: Block) => calls.filter((call) => call.command === 'block/get' && call.arg === block.cid.toString());

  it('serves a recorded file the node holds (learning its blocks in a pass), every Kubo call offline', { timeout: 60_000 }, async () => {
    calls.length = 0;
    // The leaf first: known only once a pass over the recorded files has read the root above it.
    const leaf = await ipfs(held.leaf.cid, '?format=raw');
    assert.equal(leaf.status, 200, await leaf.clone().text());
    assert.deepEqual(new Uint8Array(await leaf.arrayBuffer()), held.leaf.bytes);
    const root = await ipfs(held.root.cid, '?format=raw');
    assert.equal(root.status, 200, await root.clone().text());
    assert.deepEqual(new Uint8Array(await root.arrayBuffer()), held.root.bytes);
    const car = await ipfs(held.root.cid, '?format=car');
    assert.equal(car.status, 200, await car.clone().text());
    assert.ok((await car.arrayBuffer()).byteLength > held.leaf.bytes.length + held.root.bytes.length);
    assert.equal((await ipfs(held.root.cid, '?format=raw', { method: 'HEAD' })).status, 200);
    assert.ok(readsOf(held.root).length > 0, 'the held root was read from the node');
    assert.ok(readsOf(missing).length > 0, 'the pass over recorded files read the root nobody has');
    assert.deepEqual(online(), [], 'every Kubo call of the trustless routes and of RecordedCids\' passes carries offline=true');
  });

  it('answers 404 for recorded content the node lacks, without fetching it from the IPFS network', { timeout: 60_000 }, async () => {
    calls.length = 0;
    const started = Date.now();
    for (const query of ['?format=raw', '?format=car']) {
      const answer = await ipfs(published.root.cid, query);
      assert.equal(answer.status, 404, `public content recorded on chain was served (${query}): ${answer.status} ${await answer.clone().text()}`);
      assert.match(await answer.text(), /is recorded, but this gateway does not hold it/);
    }
    assert.equal((await ipfs(published.root.cid, '?format=raw', { method: 'HEAD' })).status, 404);
    // Its leaf was never learnt: the pass did not read the public root from the network.
    assert.equal((await ipfs(published.leaf.cid, '?format=raw')).status, 404);
    const nowhere = await ipfs(missing.cid, '?format=raw');
    assert.equal(nowhere.status, 404, await nowhere.clone().text());
    assert.ok(Date.now() - started < 10_000, `answered after ${Date.now() - started} ms`);
    assert.ok(readsOf(published.root).length > 0, 'the public root was asked of the node');
    assert.deepEqual(online(), [], 'every Kubo call of the trustless routes and of RecordedCids\' passes carries offline=true');
  });

  it('still reads online for an OCI pull through /v2', { timeout: 60_000 }, async () => {
    calls.length = 0;
    const [layer] = image.layers;
    const answer = await fetch(`${replica.url}/v2/acme/web/blobs/${layer.digest}`, { signal: AbortSignal.timeout(20_000) });
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.deepEqual(Buffer.from(await answer.arrayBuffer()), layer.bytes);
    assert.ok(online().length > 0, `the pull read only offline: ${JSON.stringify(calls)}`);
  });

  it('sends offline=true on every call of the local-only view, and on has() of the store itself', { timeout: 60_000 }, async () => {
    // kubo-rpc-client drops a URLSearchParams given as its `searchParams` option: the flag must
    // reach the node all the same.
    const local = onKubo.kubo.localOnly();
    calls.length = 0;
    assert.equal(await onKubo.kubo.has(missing.cid.toString()), false);
    assert.deepEqual(online(), [], 'has() asks the node offline');
    const { cid } = await local.put([Buffer.from('through the local-only view')]);
    assert.equal((await local.stat(cid)).size, 27);
    const read: Buffer[] = [];
    for await (const chunk of await local.get(cid, { offset: 8 })) read.push(chunk as Buffer);
    assert.equal(Buffer.concat(read).toString(), 'the local-only view');
    await local.pin(cid);
    assert.equal(await local.isPinned(cid), true);
    await local.unpin(cid);
    await local.ping();
    await assert.rejects(local.getBlock(published.root.cid.toString()), { name: 'BlobNotFoundError' });
    assert.deepEqual([...new Set(calls.map((call) => call.command))].sort(), ['add', 'block/get', 'cat', 'files/stat', 'pin/add', 'pin/ls', 'pin/rm', 'version']);
    assert.deepEqual(online(), []);
  });
});
