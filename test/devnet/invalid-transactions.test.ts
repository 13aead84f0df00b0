// Invalid transactions are refused at submission with a node's error shapes and never included;
// a future nonce waits in the pool until the gap is filled, as on a node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { u8aToHex } from '@polkadot/util';
import { startTestChain, type TestChain } from '../helpers/devnet';

let t: TestChain;
const keyring = new Keyring({ type: 'sr25519' });
const alice = keyring.addFromUri('//Alice');
const bob = keyring.addFromUri('//Bob');

before(async () => {
  // Manual sealing: blocks only when the test asks, so it can look at the pool in between.
  t = await startTestChain({ manualSeal: true });
});
after(async () => t.close());

async function submitRaw(hex: string): Promise<string> {
  return (await t.api.rpc.author.submitExtrinsic(hex as `0x${string}`)).toHex();
}

async function expectRefused(hex: string, pattern: RegExp): Promise<void> {
  await assert.rejects(submitRaw(hex), (error: Error) => {
    assert.match(error.message, pattern);
    return true;
  });
  const pending = (await t.api.rpc.author.pendingExtrinsics()).map((x) => x.toHex());
  assert.ok(!pending.includes(hex as `0x${string}`), 'a refused extrinsic must not wait in the pool');
}

async function nextBlockExtrinsics(): Promise<string[]> {
  const hash = await t.api.rpc('dev_newBlock' as never, {} as never);
  const block = await t.api.rpc.chain.getBlock(String(hash));
  return block.block.extrinsics.map((x) => x.toHex());
}

async function signed(tx: SubmittableExtrinsic<'promise'>, options: Record<string, unknown> = {}): Promise<string> {
  await tx.signAsync(alice, options);
  return tx.toHex();
}

test('a tampered signature is a bad signature (1010) and is never included', async () => {
  const bytes = (await t.api.tx.system.remark('tampered').signAsync(alice)).toU8a();
  // length prefix (1-2 bytes) + version (1) + MultiAddress::Id (1 + 32) + MultiSignature tag (1)
  const prefix = bytes[0] & 0b11 ? 2 : 1;
  bytes[prefix + 1 + 33 + 1 + 5] ^= 0xff;
  const hex = u8aToHex(bytes);
  await expectRefused(hex, /1010: Invalid Transaction: Transaction has a bad signature/);
  assert.ok(!(await nextBlockExtrinsics()).includes(hex));
});

test('a signature over another genesis hash is refused', async () => {
  const hex = await signed(t.api.tx.system.remark('other chain'), { genesisHash: '0x' + '11'.repeat(32), blockHash: '0x' + '11'.repeat(32), era: 0 });
  await expectRefused(hex, /1010: Invalid Transaction: Transaction has a bad signature/);
});

test('a stale nonce is outdated; a future nonce waits until the gap is filled', async () => {
  const nonce = (await t.api.rpc.system.accountNextIndex(alice.address)).toNumber();
  await submitRaw(await signed(t.api.tx.system.remark('first'), { nonce }));
  await nextBlockExtrinsics();
  const stale = await signed(t.api.tx.system.remark('stale'), { nonce });
  await expectRefused(stale, /1010: Invalid Transaction: Transaction is outdated/);

  const future = await signed(t.api.tx.system.remark('future'), { nonce: nonce + 2 });
  const futureHash = await submitRaw(future);
  assert.match(futureHash, /^0x[0-9a-f]{64}$/);
  assert.ok(!(await nextBlockExtrinsics()).includes(future), 'a future transaction waits');
  // Held, but not ready: as on a node, it is not listed as pending, and sent again it is known.
  assert.ok(!(await t.api.rpc.author.pendingExtrinsics()).some((x) => x.toHex() === future), 'a transaction waiting for a gap is listed as pending');
  await assert.rejects(submitRaw(future), /1013: Transaction Already Imported/);

  const gap = await signed(t.api.tx.system.remark('gap'), { nonce: nonce + 1 });
  await submitRaw(gap);
  const included = await nextBlockExtrinsics();
  assert.ok(included.indexOf(gap) >= 0 && included.indexOf(future) > included.indexOf(gap), 'both included, in nonce order');
  assert.equal((await t.api.rpc.system.accountNextIndex(alice.address)).toNumber(), nonce + 3);
});

test('a mortal transaction past its era is refused', async () => {
  const header = await t.api.rpc.chain.getHeader();
  const era = t.api.createType('ExtrinsicEra', { current: header.number.toNumber(), period: 4 });
  const hex = await signed(t.api.tx.system.remark('too late'), { era, blockHash: header.hash });
  await t.api.rpc('dev_newBlock' as never, { count: 8 } as never);
  await expectRefused(hex, /1010: Invalid Transaction: Transaction has (a bad signature|an ancient birth block)/);
});

test('a signer who cannot pay the fee is refused', async () => {
  const poor = keyring.addFromUri('//Poor');
  await t.api.tx.balances.transferKeepAlive(poor.address, 10_000n).signAndSend(bob);
  // (fee ≈ 0.001 hALPHA = 10^15 units: 10,000 units cannot pay it)
  await nextBlockExtrinsics();
  const tx = t.api.tx.system.remark('cannot pay');
  await tx.signAsync(poor);
  await expectRefused(tx.toHex(), /1010: Invalid Transaction: Inability to pay some fees/);
});

test('the same extrinsic twice is already imported; two with one nonce, the second is refused', async () => {
  const nonce = (await t.api.rpc.system.accountNextIndex(alice.address)).toNumber();
  const once = await signed(t.api.tx.system.remark('once'), { nonce });
  await submitRaw(once);
  await assert.rejects(submitRaw(once), /1013: Transaction Already Imported/);
  const rival = await signed(t.api.tx.system.remark('rival'), { nonce });
  await assert.rejects(submitRaw(rival), /1014: Priority is too low/);
  const included = await nextBlockExtrinsics();
  assert.ok(included.includes(once) && !included.includes(rival));
});
