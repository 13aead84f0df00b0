// DAG walks over chains of nodes each linking one child, which anyone can add to a shared IPFS
// node and record: a walk's cost per block does not grow with the depth (a generator nested per
// level made it do so, the whole walk growing with the square of the depth); a DAG deeper than
// any imported file (128 levels) is refused with an error naming the depth, by the walk and by
// the embedded store's reads; a walk waiting on a read that never answers ends once aborted; and
// the store's check that a file is whole costs its distinct blocks, however often they are linked.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { EmbeddedBlobStore, InvalidCidError } from '../../src/ipfs';
import { dagBlocks } from '../../src/ipfs/dag-blocks';
import { ipfsModules } from '../../src/ipfs/esm';
import { collect } from './helpers/bytes';
import { deepChain } from './helpers/deep-chain';

type Chain = Awaited<ReturnType<typeof deepChain>>;
const readerOf = (chain: Chain) => {
  const held = new Map(chain.blocks.map((block) => [block.cid.toString(), block.bytes]));
  return async (cid: CID) => held.get(cid.toString());
};
const tooDeep = (error: Error) => error instanceof InvalidCidError && /more than 128 levels deep/.test(error.message);

describe('DAG walks over very deep chains', () => {
  let work: string;
  let store: EmbeddedBlobStore;
  const chains: Record<string, Chain> = {};

  before(async () => {
    chains.deepest = await deepChain(1000);
    chains.tooDeep = await deepChain(129);
    chains.deepEnough = await deepChain(128);
    // Each node links the one below twice: 31 blocks, a DAG of 2^30 paths (deeper, the sizes its
    // nodes give pass what ipfs-unixfs decodes).
    chains.doubled = await deepChain(30, undefined, 2);
    work = mkdtempSync(join(tmpdir(), 'deep-dag-'));
    store = await EmbeddedBlobStore.open(join(work, 'ipfs'));
    // Stored as a shared node holds what anyone added: blocks, unpinned.
    for (const chain of [chains.tooDeep, chains.deepEnough, chains.doubled]) await store.putBlockSet((async function* () { yield* chain.blocks; })());
  });

  after(async () => {
    await store?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('walks each block of a chain 1,000 levels deep at a cost that does not grow with its depth', async () => {
    const m = await ipfsModules();
    // Work counted as the promises the walk makes: each resumption of a generator makes some, so
    // a walk resuming one generator per level above a block makes about 1,000 per block here.
    let promises = 0;
    const hook = createHook({ init: (_id, type) => void (type === 'PROMISE' && promises++) });
    let blocks = 0;
    hook.enable();
    try {
      for await (const block of dagBlocks(m, chains.deepest.root, readerOf(chains.deepest), undefined, { maxDepth: Infinity })) {
        assert.ok(block);
        blocks++;
      }
    } finally {
      hook.disable();
    }
    assert.equal(blocks, 1001);
    // About 15 a block with the stack of levels; a wide margin either way.
    assert.ok(promises / blocks < 100, `${(promises / blocks).toFixed(0)} promises a block: the cost of a block grows with the depth`);
  });

  it('refuses a chain more than 128 levels deep as an unusable CID naming the depth, and walks one of 128', async () => {
    const m = await ipfsModules();
    const walk = async (chain: Chain) => {
      let blocks = 0;
      for await (const _ of dagBlocks(m, chain.root, readerOf(chain))) blocks++;
      return blocks;
    };
    await assert.rejects(walk(chains.tooDeep), tooDeep);
    assert.equal(await walk(chains.deepEnough), 129);
  });

  it("fails the embedded store's reads of a chain too deep with that error, and reads one of 128 whole", async () => {
    await assert.rejects(async () => collect(await store.get(chains.tooDeep.root.toString())), tooDeep);
    await assert.rejects(async () => {
      for await (const _ of store.blocks(chains.tooDeep.root.toString())) continue;
    }, tooDeep);
    assert.deepEqual(await collect(await store.get(chains.deepEnough.root.toString())), Buffer.from(chains.deepEnough.content));
    // A range deep in it reads too: only the levels above its bytes are walked.
    assert.deepEqual(await collect(await store.get(chains.deepEnough.root.toString(), { offset: 120, length: 5 })), Buffer.from(chains.deepEnough.content.subarray(120, 125)));
  });

  it('tells whether a DAG whose nodes link one block many times is whole by its distinct blocks, not its paths', { timeout: 30_000 }, async () => {
    // has() and pin() ask whether every block is here: walked path by path, 2^30 visits.
    const whole = await Promise.race([store.has(chains.doubled.root.toString()), new Promise((resolve) => setTimeout(() => resolve('still walking'), 5_000))]);
    assert.equal(whole, true);
  });

  it('ends a walk waiting on a read that never answers once its signal aborts', async () => {
    const m = await ipfsModules();
    const chain = chains.deepEnough;
    const rootBytes = chain.blocks[chain.blocks.length - 1].bytes;
    // The root answers; every other read waits for good (a Kubo node searching the network).
    const read = (cid: CID) => (cid.equals(chain.root) ? Promise.resolve(rootBytes) : new Promise<undefined>(() => undefined));
    const controller = new AbortController();
    const walk = dagBlocks(m, chain.root, read, undefined, { signal: controller.signal });
    assert.ok((await walk.next()).value, 'the root');
    const waiting = walk.next();
    setTimeout(() => controller.abort(new Error('the client hung up')), 50);
    const ended = await Promise.race([waiting.then(() => 'yielded', (error: Error) => error.message), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2000))]);
    assert.equal(ended, 'the client hung up');
  });
});
