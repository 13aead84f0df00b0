// The pool bans what it just included or removed, as a Substrate node does: sending such an
// extrinsic again is answered 1012 "Transaction is temporarily banned" (not 1010 "outdated"), and
// author_removeExtrinsic removes a transaction with those waiting on it. polkadot.js over a real
// WebSocket; blocks only on request, so the test decides what each block holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';
import { TxBans } from '../../src/devnet/chain/tx-bans';

let t: TestChain;
const keyring = new Keyring({ type: 'sr25519' });

before(async () => {
  t = await startTestChain({ manualSeal: true });
});
after(async () => t.close());

const send = <T>(method: string, params: unknown[]) => rpcSend<T>(t.api, method, params);

async function remark(pair: KeyringPair, text: string, nonce: number): Promise<string> {
  const tx = t.api.tx.system.remark(text);
  await tx.signAsync(pair, { nonce });
  return tx.toHex();
}

async function nextNonce(pair: KeyringPair): Promise<number> {
  return (await t.api.rpc.system.accountNextIndex(pair.address)).toNumber();
}

test('an extrinsic sent again after its inclusion is temporarily banned (1012), as on a node', async () => {
  const alice = keyring.addFromUri('//Alice');
  const hex = await remark(alice, 'once', await nextNonce(alice));
  await send('author_submitExtrinsic', [hex]);
  await send('dev_newBlock', [{}]);
  const block = await t.api.rpc.chain.getBlock();
  assert.ok(block.block.extrinsics.some((x) => x.toHex() === hex), 'the extrinsic was included');
  await assert.rejects(send('author_submitExtrinsic', [hex]), (error: Error & { code?: number }) => {
    assert.match(error.message, /1012: Transaction is temporarily banned/);
    return true;
  });
  // A different transaction with the used nonce is still outdated: the ban is by hash.
  const other = await remark(alice, 'other text, same nonce', (await nextNonce(alice)) - 1);
  await assert.rejects(send('author_submitExtrinsic', [other]), /1010: Invalid Transaction: Transaction is outdated/);
});

test('author_removeExtrinsic removes a transaction with those waiting on its nonce and bans it', async () => {
  const bob = keyring.addFromUri('//Bob');
  const nonce = await nextNonce(bob);
  const first = await remark(bob, 'first', nonce);
  const second = await remark(bob, 'second', nonce + 1);
  const statuses: string[] = [];
  const unsub = await t.api.rpc.author.submitAndWatchExtrinsic(t.api.createType('Extrinsic', second) as never, (status) => void statuses.push(status.type));
  await send('author_submitExtrinsic', [first]);
  await assert.rejects(send('author_submitExtrinsic', [second]), /1013: Transaction Already Imported/);
  const firstHash = t.api.createType('Extrinsic', first).hash.toHex();

  const removed = await send<string[]>('author_removeExtrinsic', [[{ hash: firstHash }]]);
  assert.deepEqual(new Set(removed), new Set([firstHash, t.api.createType('Extrinsic', second).hash.toHex()]));
  assert.equal((await t.api.rpc.author.pendingExtrinsics()).length, 0);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(statuses, ['Future', 'Invalid']);
  unsub();

  await assert.rejects(send('author_submitExtrinsic', [first]), /1012: Transaction is temporarily banned/);
  // The dependent was removed, not banned: it can be sent again (and waits for its nonce).
  await send('author_submitExtrinsic', [second]);
  // polkadot.js's own encoding of the argument (ExtrinsicOrHash) is understood.
  const removedByApi = await t.api.rpc.author.removeExtrinsic([t.api.createType('ExtrinsicOrHash', { Extrinsic: second })]);
  assert.deepEqual(removedByApi.map((h) => h.toHex()), [t.api.createType('Extrinsic', second).hash.toHex()]);
  assert.equal(await nextNonce(bob), nonce);
});

test('author_removeExtrinsic refuses what a node cannot read', async () => {
  await assert.rejects(send('author_removeExtrinsic', [[{ hash: '0x1234' }]]), /-32602: Invalid params: hash must be 32 bytes/);
  await assert.rejects(send('author_removeExtrinsic', [[{ extrinsic: '0x0102' }]]), /1001: Extrinsic has invalid format/);
  await assert.rejects(send('author_removeExtrinsic', ['0x00']), /-32602/);
});

test('the ban list forgets its oldest entries past a bound, and bans end', () => {
  let now = 0;
  const bans = new TxBans(1000, () => now);
  bans.ban(Array.from({ length: 5000 }, (_, i) => `0x${i}`));
  assert.ok(bans.size <= 4096, `${bans.size} bans kept`);
  assert.ok(bans.isBanned('0x4999') && !bans.isBanned('0x0'));
  now = 1001;
  assert.ok(!bans.isBanned('0x4999'));
});
