// A reorg that retracts a block hands its transactions back to the pool, as a node's pool does:
// those the new best chain lacks are checked again on it and wait for the next block (their
// watchers hear "retracted", "ready", then "inBlock" and "finalized" in the new chain), those
// now invalid are banned ("invalid"), and those the new chain holds follow it ("inBlock").
// Without `retracted: "resubmit"` dev_newBlock keeps dropping them, so that a test decides what
// each branch holds. polkadot.js over a real WebSocket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Keyring } from '@polkadot/keyring';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { ExtrinsicStatus } from '@polkadot/types/interfaces';
import type { ISubmittableResult } from '@polkadot/types/types';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';

const keyring = new Keyring({ type: 'sr25519' });
const [alice, charlie, dave, eve, ferdie] = ['//Alice', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((uri) => keyring.addFromUri(uri));

/** A status as the node sent it: "ready", or "inBlock 0x…" for those naming a block. */
function statusText(status: ExtrinsicStatus): string {
  const json = status.toJSON() as string | Record<string, unknown>;
  if (typeof json === 'string') return json;
  const [[name, value]] = Object.entries(json);
  return value === null ? name : `${name} ${value}`;
}

async function until(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/** Watches an extrinsic through author_submitAndWatchExtrinsic; its statuses land in the array. */
async function watch(t: TestChain, tx: SubmittableExtrinsic<'promise'>): Promise<string[]> {
  const statuses: string[] = [];
  await t.api.rpc.author.submitAndWatchExtrinsic(tx, (status) => void statuses.push(statusText(status)));
  await until(`${tx.hash.toHex()} to be ready`, () => statuses.length > 0);
  return statuses;
}

const remark = async (t: TestChain, signer: typeof alice, text: string) => t.api.tx.system.remark(text).signAsync(signer, { nonce: 0, era: 0 });
const pending = async (t: TestChain) => (await t.api.rpc.author.pendingExtrinsics()).map((x) => x.toHex()).sort();

test('dev_newBlock with retracted "resubmit": the retracted block\'s transactions go back to the pool, checked on the new chain', async () => {
  const t = await startTestChain({ manualSeal: true, finalityLag: 3 });
  try {
    const send = <T>(method: string, params: unknown[]) => rpcSend<T>(t.api, method, params);
    const back = await remark(t, alice, 'goes back to the pool');
    const stale = await remark(t, charlie, 'outdated by the new chain');
    const both = await remark(t, dave, 'in both branches');
    const unwatched = await remark(t, eve, 'sent without a watcher');
    const rival = await remark(t, charlie, 'takes charlie\'s nonce on the new chain');

    const [backSeen, staleSeen, bothSeen] = [await watch(t, back), await watch(t, stale), await watch(t, both)];
    await send('author_submitExtrinsic', [unwatched.toHex()]);
    const old = await send<string>('dev_newBlock', [{}]);
    await until('inBlock of the old block', () => [backSeen, staleSeen, bothSeen].every((s) => s.length === 2));

    const tip = await send<string>('dev_newBlock', [{ parent: 0, count: 2, extrinsics: [rival.toHex(), both.toHex()], retracted: 'resubmit' }]);
    const forked = (await t.api.rpc.chain.getBlockHash(1)).toHex();
    assert.notEqual(forked, old, 'block #1 is the new branch\'s');
    await until('the reorg\'s statuses', () => backSeen.length === 4 && staleSeen.length === 4 && bothSeen.length === 4);
    assert.deepEqual(backSeen, ['ready', `inBlock ${old}`, `retracted ${old}`, 'ready'], 'back in the pool');
    assert.deepEqual(staleSeen, ['ready', `inBlock ${old}`, `retracted ${old}`, 'invalid'], 'its nonce is spent on the new chain');
    assert.deepEqual(bothSeen, ['ready', `inBlock ${old}`, `retracted ${old}`, `inBlock ${forked}`], 'it follows its transaction into the new chain');
    assert.deepEqual(await pending(t), [back.toHex(), unwatched.toHex()].sort(), 'watched or not, what the new chain lacks waits in the pool');
    await assert.rejects(send('author_submitExtrinsic', [stale.toHex()]), /1012: Transaction is temporarily banned/, 'an invalid one is banned, as a node bans it');

    const next = await send<string>('dev_newBlock', [{}]);
    const { block } = await t.api.rpc.chain.getBlock(next);
    assert.equal(block.header.parentHash.toHex(), tip);
    assert.deepEqual(block.extrinsics.slice(1).map((x) => x.toHex()).sort(), [back.toHex(), unwatched.toHex()].sort(), 'the next block takes them');
    await send('dev_newBlock', [{ count: 3 }]);
    await until('finality', () => backSeen.length === 6 && bothSeen.length === 5);
    assert.deepEqual(backSeen.slice(4), [`inBlock ${next}`, `finalized ${next}`]);
    assert.deepEqual(bothSeen.slice(4), [`finalized ${forked}`]);
    assert.equal(staleSeen.length, 4, 'nothing after invalid');
  } finally {
    await t.close();
  }
});

test('by default a reorg drops them; dev_setHead with { retracted: "resubmit" } hands them back', async () => {
  const t = await startTestChain({ manualSeal: true, finalityLag: 3 });
  try {
    const send = <T>(method: string, params: unknown[]) => rpcSend<T>(t.api, method, params);
    const tx = await remark(t, ferdie, 'on the first branch');
    const seen = await watch(t, tx);
    const first = await send<string>('dev_newBlock', [{}]);
    const other = await send<string>('dev_newBlock', [{ parent: 0, count: 1 }]);
    await until('the drop', () => seen.length === 4);
    assert.deepEqual(seen, ['ready', `inBlock ${first}`, `retracted ${first}`, 'dropped'], 'a test decides alone what each branch holds');
    assert.deepEqual(await pending(t), []);

    await send('dev_setHead', [first]);
    assert.deepEqual(await pending(t), [], 'on the first branch again, it is in a block again');
    await send('dev_setHead', [other, { retracted: 'resubmit' }]);
    assert.deepEqual(await pending(t), [tx.toHex()], 'the first branch retracted again, its transaction waits for the next block');
    await assert.rejects(send('dev_setHead', [first, { retracted: 'keep' }]), /-32602: Invalid params: retracted must be "drop" \(the default\) or "resubmit"/);
  } finally {
    await t.close();
  }
});

test('instant blocks: a signAndSend transaction whose block is retracted is included again in the new chain and finalized there', async () => {
  const t = await startTestChain({ finalityLag: 20 });
  try {
    const results: ISubmittableResult[] = [];
    const unsub = await t.api.tx.system.remark('retracted, then included again').signAndSend(alice, (result) => void results.push(result));
    await until('inBlock', () => results.some((r) => r.status.isInBlock));
    const old = results.find((r) => r.status.isInBlock)!.status.asInBlock.toHex();
    const parent = (await t.api.rpc.chain.getHeader(old)).parentHash.toHex();
    await rpcSend(t.api, 'dev_newBlock', [{ parent, count: 1, retracted: 'resubmit' }]);
    await until('finalized', () => results.some((r) => r.status.isFinalized), 20_000);
    unsub();

    const seen = results.map((r) => r.status.type);
    assert.deepEqual(seen, ['Ready', 'InBlock', 'Retracted', 'Ready', 'InBlock', 'Finalized']);
    assert.equal(results[2].status.asRetracted.toHex(), old);
    const again = results[4].status.asInBlock.toHex();
    assert.notEqual(again, old);
    assert.equal(results[5].status.asFinalized.toHex(), again);
    assert.equal((await t.api.rpc.chain.getBlockHash((await t.api.rpc.chain.getHeader(again)).number.toNumber())).toHex(), again, 'on the best chain');
    assert.ok(results[4].events.some(({ event }) => t.api.events.system.ExtrinsicSuccess.is(event)), 'it ran in the new chain');
  } finally {
    await t.close();
  }
});
