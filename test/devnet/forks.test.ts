// Forks made through the dev RPC: the new branch becomes best and is announced, the old branch
// stops being canonical but stays readable by hash (headers and state), and a fork below the
// finalized block is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';
import type { Vec } from '@polkadot/types';
import type { AccountInfo, EventRecord, Header } from '@polkadot/types/interfaces';
import type { KeyringPair } from '@polkadot/keyring/types';
import { startDevnet, type Devnet } from '../../src/devnet/node';

const FINALITY_LAG = 20;

interface SeenHead {
  number: number;
  hash: string;
  parentHash: string;
}

let devnet: Devnet;
let provider: WsProvider;
let api: ApiPromise;
let alice: KeyringPair;
let bob: KeyringPair;
let unsubscribeHeads: (() => void) | undefined;
const heads: SeenHead[] = [];
/** Reorgs a head follower noticed: a head not extending the previous one. */
const reorgs: { from: SeenHead; to: SeenHead }[] = [];

const send = <T>(method: string, params: unknown[] = []) => provider.send<T>(method, params);
const newBlock = (params: { count?: number; parent?: string | number; extrinsics?: string[] }) => send<string>('dev_newBlock', [params]);

async function header(hash: string): Promise<SeenHead | null> {
  const raw = await send<{ number: string; parentHash: string } | null>('chain_getHeader', [hash]);
  return raw && { number: Number.parseInt(raw.number, 16), hash, parentHash: raw.parentHash };
}

async function waitForHead(hash: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!heads.some((h) => h.hash === hash)) {
    if (Date.now() > deadline) assert.fail(`chain_subscribeNewHeads never announced ${hash}; seen: ${heads.map((h) => `#${h.number} ${h.hash.slice(0, 10)}`).join(', ')}`);
    await delay(20);
  }
}

/** Space owners (SS58) at a block, from ContainerRegistry.Spaces. */
async function spaceOwners(at?: string): Promise<string[]> {
  const view = at ? await api.at(at) : api;
  const entries = await view.query.containerRegistry.spaces.entries();
  return entries.map(([, value]) => (value.toJSON() as { owner: string }).owner).sort();
}

async function spaceNames(at?: string): Promise<string[]> {
  const view = at ? await api.at(at) : api;
  const entries = await view.query.containerRegistry.spaces.entries();
  return entries.map(([, value]) => Buffer.from((value.toJSON() as { repoName: string }).repoName.slice(2), 'hex').toString('utf8')).sort();
}

before(async () => {
  devnet = await startDevnet({ port: 0, finalityLag: FINALITY_LAG });
  provider = new WsProvider(devnet.wsUrl, false);
  await provider.connect();
  api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
  unsubscribeHeads = await api.rpc.chain.subscribeNewHeads((h: Header) => {
    const seen = { number: h.number.toNumber(), hash: h.hash.toHex(), parentHash: h.parentHash.toHex() };
    const previous = heads[heads.length - 1];
    if (previous && (seen.number <= previous.number || seen.parentHash !== previous.hash)) reorgs.push({ from: previous, to: seen });
    heads.push(seen);
  });
});

after(async () => {
  unsubscribeHeads?.();
  await api?.disconnect();
  await devnet?.close();
});

describe('forks through dev_newBlock', () => {
  // The two branches, filled in by the first test and read by the later ones.
  let forkBase: string;
  const oldBranch: string[] = [];
  const newBranch: string[] = [];

  /** Heads announced after the old branch's tip. */
  const afterOldTip = () => heads.slice(heads.findIndex((h) => h.hash === oldBranch[2]) + 1);

  test('blocks built on the best block by dev_newBlock with extrinsics are announced', async () => {
    await newBlock({ count: 2 });
    forkBase = await send<string>('chain_getHead');
    assert.equal((await header(forkBase))?.number, 2);

    // Old branch: #3 holds Alice's space, then #4 and #5 on top.
    const aliceTx = await api.tx.containerRegistry.createSpace('old-branch').signAsync(alice);
    oldBranch.push(await newBlock({ extrinsics: [aliceTx.toHex()] }));
    oldBranch.push(await newBlock({ count: 1 }));
    oldBranch.push(await newBlock({ count: 1 }));
    assert.equal(await send<string>('chain_getHead'), oldBranch[2]);
    assert.equal((await header(oldBranch[2]))?.number, 5);
    for (let n = 3; n <= 5; n++) assert.equal(await send<string>('chain_getBlockHash', [n]), oldBranch[n - 3]);
    assert.deepEqual(await spaceNames(oldBranch[2]), ['old-branch']);

    await waitForHead(oldBranch[2]);
    const canonical = [];
    for (let n = 0; n <= 5; n++) canonical.push(await send<string>('chain_getBlockHash', [n]));
    assert.deepEqual(
      heads.map((h) => `#${h.number} ${h.hash}`),
      canonical.map((hash, n) => `#${n} ${hash}`),
      'chain_subscribeNewHeads announces #0..#5 one by one (#3 was built by dev_newBlock({extrinsics}) on the best block)',
    );
  });

  test('a fork from an earlier unfinalized block becomes best and is announced', async () => {
    assert.ok(forkBase && oldBranch.length === 3, 'the old branch was built');
    // New branch from #2: four blocks, the first holding Bob's space (immortal: the old
    // branch's blocks are not its ancestors).
    const bobTx = await api.tx.containerRegistry.createSpace('new-branch').signAsync(bob, { era: 0 });
    const tip = await newBlock({ parent: forkBase, count: 4, extrinsics: [bobTx.toHex()] });
    const tipHeader = await header(tip);
    assert.equal(tipHeader?.number, 6);
    assert.equal(await send<string>('chain_getHead'), tip, 'the fork tip is best');

    // Walk back from the tip to the fork base: that is the new branch.
    let cursor = tipHeader!;
    while (cursor.hash !== forkBase) {
      newBranch.unshift(cursor.hash);
      cursor = (await header(cursor.parentHash))!;
      assert.ok(cursor, 'every block of the new branch has a header');
    }
    assert.equal(newBranch.length, 4);
    assert.notEqual(newBranch[0], oldBranch[0], 'the two #3 blocks differ');

    // Every new-branch block is announced, in order, after the old tip.
    await waitForHead(tip);
    const announced = afterOldTip();
    assert.deepEqual(
      announced.map((h) => h.hash),
      newBranch,
      'chain_subscribeNewHeads announces each block of the new branch after the old tip',
    );
    assert.equal(announced[0].number, 3);
    assert.equal(announced[0].parentHash, forkBase);
  });

  test('a head follower sees the reorg', () => {
    const oldTip = heads.findIndex((h) => h.hash === oldBranch[2]);
    assert.ok(oldTip >= 0, 'the old tip was announced');
    const seen = reorgs.filter((r) => heads.indexOf(r.to) > oldTip);
    assert.equal(seen.length, 1, `one reorg expected after the old tip, saw ${JSON.stringify(seen)}`);
    const [{ from, to }] = seen;
    assert.equal(from.hash, oldBranch[2], 'the reorg leaves the old tip');
    assert.equal(to.hash, newBranch[0], 'the reorg lands on the first block of the new branch');
    assert.ok(to.number <= from.number, `the new head #${to.number} is not above the previous head #${from.number}`);
    assert.equal(to.parentHash, forkBase);
  });

  test('the old branch is no longer canonical but still retrievable by hash', async () => {
    for (let i = 0; i < 3; i++) {
      const n = 3 + i;
      assert.equal(await send<string>('chain_getBlockHash', [n]), newBranch[i], `chain_getBlockHash(${n}) is the new branch's block`);
      const old = await header(oldBranch[i]);
      assert.ok(old, `chain_getHeader(${oldBranch[i]}) still answers for the old branch's #${n}`);
      assert.equal(old.number, n);
      const block = await send<{ block: { header: { number: string } } } | null>('chain_getBlock', [oldBranch[i]]);
      assert.equal(block?.block.header.number, `0x${n.toString(16)}`, `chain_getBlock(${oldBranch[i]}) still answers`);
    }
    assert.equal(await send<string>('chain_getBlockHash', [6]), newBranch[3]);
    assert.equal(await send<string | null>('chain_getBlockHash', [7]), null, 'nothing above the best block');
    assert.equal(await send<string>('chain_getBlockHash', [2]), forkBase, 'the common ancestor stays');
    assert.equal((await header(oldBranch[0]))?.parentHash, forkBase);
  });

  test('state follows the branch: the old-branch space is absent at the new best and present at the old tip', async () => {
    assert.deepEqual(await spaceNames(), ['new-branch'], 'at the new best block');
    assert.deepEqual(await spaceOwners(), [bob.address]);
    assert.deepEqual(await spaceNames(oldBranch[2]), ['old-branch'], 'at the old tip (api.at)');
    assert.deepEqual(await spaceOwners(oldBranch[2]), [alice.address]);
    assert.deepEqual(await spaceNames(forkBase), [], 'at the fork base');

    // The old branch's block still has its events; Alice's nonce moved only there.
    const oldApi = await api.at(oldBranch[0]);
    const events = await oldApi.query.system.events<Vec<EventRecord>>();
    assert.ok(
      events.some(({ event }) => event.section === 'containerRegistry' && event.method === 'SpaceCreated'),
      'the old branch block still holds its SpaceCreated event',
    );
    assert.equal((await oldApi.query.system.account<AccountInfo>(alice.address)).nonce.toNumber(), 1);
    assert.equal((await api.query.system.account<AccountInfo>(alice.address)).nonce.toNumber(), 0, "Alice's transaction is not on the new branch");
    assert.equal((await api.query.system.account<AccountInfo>(bob.address)).nonce.toNumber(), 1);
  });

  test('dev_setHead switches back to the old branch', async () => {
    const head = await send<string>('dev_setHead', [oldBranch[2]]);
    assert.equal(head, oldBranch[2]);
    assert.equal(await send<string>('chain_getHead'), oldBranch[2]);
    assert.equal(await send<string>('chain_getBlockHash', [3]), oldBranch[0]);
    assert.equal(await send<string | null>('chain_getBlockHash', [6]), null, 'the old branch ends at #5');
    await waitForHead(oldBranch[2]);
    assert.deepEqual(await spaceNames(), ['old-branch']);
    assert.ok(reorgs.some((r) => r.from.hash === newBranch[3]), 'the follower saw the switch back as a reorg');
  });

  test('forking below the finalized block is refused with a clear JSON-RPC error', async () => {
    await newBlock({ count: FINALITY_LAG + 6 });
    const finalized = await send<string>('chain_getFinalizedHead');
    const finalizedNumber = (await header(finalized))!.number;
    assert.ok(finalizedNumber > 5, `finality should have passed the fork (finalized #${finalizedNumber})`);
    const best = await send<string>('chain_getHead');

    const belowFinalized = await send<string>('chain_getBlockHash', [2]);
    await assert.rejects(newBlock({ parent: belowFinalized, count: 1 }), (error: Error) => {
      assert.match(error.message, /-32602/, 'an invalid-params error code');
      assert.match(error.message, /finalized/, 'the message mentions finality');
      assert.match(error.message, new RegExp(`#${finalizedNumber}`), 'the message names the finalized block');
      return true;
    });
    // A block of the abandoned branch (not on the finalized chain) is refused too.
    await assert.rejects(newBlock({ parent: newBranch[1], count: 1 }), /finalized/);
    await assert.rejects(send('dev_setHead', [newBranch[3]]), /finalized/);
    assert.equal(await send<string>('chain_getHead'), best, 'a refused fork leaves the best block alone');
    assert.equal(await send<string>('chain_getFinalizedHead'), finalized, 'and finality too');

    // Unknown parents are refused as well.
    await assert.rejects(newBlock({ parent: `0x${'ab'.repeat(32)}`, count: 1 }), /unknown|not found/);

    // Forking from the finalized block itself is allowed, and announced.
    const tip = await newBlock({ parent: finalized, count: 1 });
    assert.equal((await header(tip))?.number, finalizedNumber + 1);
    assert.equal(await send<string>('chain_getHead'), tip);
    await waitForHead(tip);
  });

  test('dev_newBlock with `parent` = the best block extends it and announces every new block', async () => {
    const best = await send<string>('chain_getHead');
    const bestNumber = (await header(best))!.number;
    const tip = await newBlock({ parent: best, count: 2 });
    const built = [(await header(tip))!];
    built.unshift((await header(built[0].parentHash))!);
    assert.deepEqual(built.map((h) => h.number), [bestNumber + 1, bestNumber + 2]);
    assert.equal(built[0].parentHash, best);
    assert.equal(await send<string>('chain_getHead'), tip);
    const deadline = Date.now() + 2_000;
    while (!heads.some((h) => h.hash === tip) && Date.now() < deadline) await delay(20);
    const announced = heads.slice(heads.findIndex((h) => h.hash === best) + 1);
    assert.deepEqual(
      announced.map((h) => `#${h.number} ${h.hash}`),
      built.map((h) => `#${h.number} ${h.hash}`),
      `chain_subscribeNewHeads should announce #${bestNumber + 1} and #${bestNumber + 2} built by dev_newBlock({parent: <best>, count: 2})`,
    );
  });
});
