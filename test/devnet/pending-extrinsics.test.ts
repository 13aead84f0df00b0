// author_pendingExtrinsics lists what a node lists: its ready transactions, in the order a block
// would take them. A transaction whose nonce leaves a gap waits in the pool unlisted (and known:
// submitted again, it is "already imported") until the gap is filled; then both are listed, in
// nonce order. Of equal priorities, the one that expires first is listed (and included) first.
// polkadot.js over a real WebSocket; blocks on request only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';

const keyring = new Keyring({ type: 'sr25519' });
let t: TestChain;

before(async () => {
  t = await startTestChain({ manualSeal: true });
});
after(async () => t.close());

async function remark(uri: string, nonce: number): Promise<string> {
  const tx = t.api.tx.system.remark('0x0102');
  await tx.signAsync(keyring.addFromUri(uri), { nonce });
  return tx.toHex();
}

const submit = async (hex: string) => (await t.api.rpc.author.submitExtrinsic(hex)).toHex();
const pending = async () => (await t.api.rpc.author.pendingExtrinsics()).map((x) => x.toHex());

test('a transaction behind a nonce gap is held but not listed, and listed after the one before it once the gap is filled', async () => {
  const ferdie = keyring.addFromUri('//Ferdie');
  const nonce = (await t.api.rpc.system.accountNextIndex(ferdie.address)).toNumber();
  const [first, second, third] = await Promise.all([remark('//Ferdie', nonce), remark('//Ferdie', nonce + 1), remark('//Ferdie', nonce + 2)]);

  await submit(third);
  assert.deepEqual(await pending(), [], 'a transaction two nonces ahead is listed');
  await assert.rejects(submit(third), /1013: Transaction Already Imported/, 'the pool no longer holds it');
  assert.equal((await t.api.rpc.system.accountNextIndex(ferdie.address)).toNumber(), nonce, 'the next nonce is the one missing, not one past the held transaction');

  await submit(first);
  assert.deepEqual(await pending(), [first], 'the first is ready, the third still waits for the second');
  await submit(second);
  assert.deepEqual(await pending(), [first, second, third]);
  assert.equal((await t.api.rpc.system.accountNextIndex(ferdie.address)).toNumber(), nonce + 3);

  await rpcSend(t.api, 'dev_newBlock', [{ count: 1 }]);
  assert.deepEqual(await pending(), []);
  assert.equal((await t.api.query.system.account(ferdie.address)).nonce.toNumber(), nonce + 3, 'the block took all three');
});

test('of two transactions with equal priorities, the one whose era ends first goes first, whichever came first', async () => {
  const signed = async (uri: string, period: number) => {
    const pair = keyring.addFromUri(uri);
    const nonce = (await t.api.rpc.system.accountNextIndex(pair.address)).toNumber();
    // The same call, length and tip from two fresh signers: the same priority.
    return (await t.api.tx.system.remark('0x0102').signAsync(pair, { nonce, era: period })).toHex();
  };
  const longer = await signed('//Charlie', 64);
  const shorter = await signed('//Dave', 16);
  assert.equal(longer.length, shorter.length);
  await submit(longer);
  await submit(shorter);
  assert.deepEqual(await pending(), [shorter, longer]);
  await rpcSend(t.api, 'dev_newBlock', [{ count: 1 }]);
  const body = (await t.api.rpc.chain.getBlock()).block.extrinsics.map((x) => x.toHex());
  assert.deepEqual(body.filter((x) => x === shorter || x === longer), [shorter, longer], 'the block took them in another order');
});
