// The trustless gateway's CAR answers for DAGs crafted to cost it or to slip unverified bytes
// through: anyone may record a DAG a shared IPFS node holds. A DAG of more blocks, or deeper, than
// a CAR may carry is cut short (not walked to its end); a block of a hash function the stores do
// not check is refused (400 as the root, a cut CAR inside a DAG); an identity CID is answered from
// itself and never carried in a CAR, as the specification asks. The store here stands in for a
// Kubo node, which answers block/get of any CID it holds (identity ones from the CID).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { CID } from 'multiformats/cid';
import { ipfsModules } from '../../src/ipfs/esm';
import { dagBlocks } from '../../src/ipfs/dag-blocks';
import { BlobNotFoundError, type BlobStore } from '../../src/ipfs';
import type { RecordedCids } from '../../src/gateway/trustless/recorded-cids';
import { trustlessRoutes } from '../../src/gateway/trustless/routes';
import { type Block, rawBlock, unixfsNode } from './helpers/dag';

/** A file node holding `data` itself and linking `child` (holding `childSize` bytes). */
async function nodeWith(data: Uint8Array, child?: { cid: CID; size: number }): Promise<Block> {
  const m = await ipfsModules();
  const unixfs = new m.UnixFS({ type: 'file', data });
  if (child) unixfs.addBlockSize(BigInt(child.size));
  const bytes = m.dagPb.encode(m.dagPb.prepare({ Data: unixfs.marshal(), Links: child ? [{ Hash: child.cid, Tsize: child.size }] : [] }));
  return { cid: m.CID.createV1(m.dagPb.code, await m.sha256.digest(bytes)), bytes };
}

/** A store of `blocks` answering as Kubo does: identity CIDs from the CID itself, other hashes unchecked. */
async function storeOf(blocks: Block[]): Promise<BlobStore> {
  const m = await ipfsModules();
  const held = new Map(blocks.map((b) => [b.cid.toV1().toString(), b.bytes]));
  const read = async (cid: CID) => (cid.multihash.code === 0 ? cid.multihash.digest : held.get(cid.toV1().toString()));
  return {
    getBlock: async (text: string) => {
      const bytes = await read(m.CID.parse(text));
      if (!bytes) throw new BlobNotFoundError(text, `block ${text} is not held`);
      return bytes;
    },
    blocks: (text: string, options: { range?: { start: number; end: number }; once?: boolean } = {}) => dagBlocks(m, m.CID.parse(text), read, options.range, { once: options.once }),
  } as unknown as BlobStore;
}

/** Every CID is recorded here: what is tested is what the gateway does with what it holds. */
const everything = { allows: async () => true, learning: false, allowChildren: () => undefined } as unknown as RecordedCids;

describe('trustless gateway: CARs of DAGs crafted to cost it or to pass unchecked bytes', () => {
  let server: Server;
  let base: string;
  const logs: string[] = [];
  const blocks: Block[] = [];
  const dags: Record<string, Block> = {};
  const extra: Record<string, CID> = {};

  before(async () => {
    const m = await ipfsModules();
    const { identity } = await import('multiformats/hashes/identity');
    const { sha512 } = await import('multiformats/hashes/sha2');
    // A chain 200 nodes deep, a byte in each: 200 bytes of file, 200 levels of walk.
    let deep = await nodeWith(new Uint8Array([0]));
    blocks.push(deep);
    for (let level = 1; level < 200; level++) {
      deep = await nodeWith(new Uint8Array([level % 256]), { cid: deep.cid, size: level });
      blocks.push(deep);
    }
    dags.deep = deep;
    // 100 distinct leaves under one node: more than the 50 blocks the wide gateway lets a CAR carry.
    const leaves = await Promise.all(Array.from({ length: 100 }, (_, i) => rawBlock(new Uint8Array([i, 1, 2]))));
    blocks.push(...leaves);
    dags.wide = await unixfsNode('file', leaves.map((leaf) => ({ cid: leaf.cid, size: 3 })));
    blocks.push(dags.wide);
    // A file whose second leaf is an identity CID (its bytes inline) between two stored leaves.
    const inline = new TextEncoder().encode('inline');
    extra.identityLeaf = m.CID.createV1(m.raw.code, identity.digest(inline));
    const [first, last] = [await rawBlock(new TextEncoder().encode('first')), await rawBlock(new TextEncoder().encode('last'))];
    blocks.push(first, last);
    dags.withIdentity = await unixfsNode('file', [
      { cid: first.cid, size: 5 },
      { cid: extra.identityLeaf, size: inline.byteLength },
      { cid: last.cid, size: 4 },
    ]);
    blocks.push(dags.withIdentity);
    // A sha2-512 leaf whose stored bytes are not its block (what a proxy's page would be), alone and in a file.
    const claimed = new TextEncoder().encode('the real block');
    extra.sha512Leaf = m.CID.createV1(m.raw.code, await sha512.digest(claimed));
    blocks.push({ cid: extra.sha512Leaf, bytes: new TextEncoder().encode('<html>login</html>') });
    dags.withSha512 = await unixfsNode('file', [{ cid: extra.sha512Leaf, size: claimed.byteLength }]);
    blocks.push(dags.withSha512);

    const store = await storeOf(blocks);
    const app = express();
    const log = (line: string) => void logs.push(line);
    app.use('/wide', trustlessRoutes({ store, recorded: everything, log, carLimits: { maxBlocks: 50, maxDepth: 128 } } as Parameters<typeof trustlessRoutes>[0], log));
    app.use(trustlessRoutes({ store, recorded: everything, log }, log));
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => server?.close());

  /** The CIDs of a CAR answer's blocks; rejects when the answer was cut short. */
  async function carCids(url: string): Promise<string[]> {
    const { CarBlockIterator } = await import('@ipld/car');
    const response = await fetch(url);
    assert.equal(response.status, 200);
    const iterator = await CarBlockIterator.fromBytes(new Uint8Array(await response.arrayBuffer()));
    const cids = [];
    for await (const block of iterator) cids.push(block.cid.toString());
    return cids;
  }

  it('cuts short the CAR of a DAG deeper than any imported file (200 levels), rather than walk it to the end', async () => {
    await assert.rejects(carCids(`${base}/ipfs/${dags.deep.cid}?format=car`));
    assert.ok(logs.some((line) => /more than 128 levels deep/.test(line)), logs.join('\n'));
    // The first levels of it are still served on their own: a block, and a range its top levels hold.
    assert.equal((await carCids(`${base}/ipfs/${dags.deep.cid}?format=car&dag-scope=block`)).length, 1);
  });

  it('cuts short the CAR of a DAG of more blocks than one CAR may carry, rather than remember each', async () => {
    await assert.rejects(carCids(`${base}/wide/ipfs/${dags.wide.cid}?format=car`));
    assert.ok(logs.some((line) => /has more than 50 blocks/.test(line)), logs.join('\n'));
    // Its root alone is within the bound.
    assert.equal((await carCids(`${base}/wide/ipfs/${dags.wide.cid}?format=car&dag-scope=block`)).length, 1);
  });

  it('leaves identity CIDs out of a CAR, and answers one asked for as a raw block from the CID itself', async () => {
    const cids = await carCids(`${base}/ipfs/${dags.withIdentity.cid}?format=car`);
    assert.equal(cids.length, 3, cids.join('\n'));
    assert.ok(!cids.includes(extra.identityLeaf.toString()), 'the identity block is not carried');
    const raw = await fetch(`${base}/ipfs/${extra.identityLeaf}?format=raw`);
    assert.equal(raw.status, 200);
    assert.equal(await raw.text(), 'inline');
  });

  it('refuses a CID of a hash function its stores do not check with a 400 naming it, and cuts short a CAR reaching one', async () => {
    const raw = await fetch(`${base}/ipfs/${extra.sha512Leaf}?format=raw`);
    assert.equal(raw.status, 400);
    assert.match(await raw.text(), /hash function 0x13/);
    await assert.rejects(carCids(`${base}/ipfs/${dags.withSha512.cid}?format=car`));
  });
});
