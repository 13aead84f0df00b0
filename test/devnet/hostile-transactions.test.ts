// Transactions a hostile client can sign with the public dev keys must not wedge the dev chain
// or fill its memory: a future nonce does not make it build blocks without end, an extrinsic no
// block can hold is refused, and transactions waiting on a nonce gap have a bounded share of the
// pool, as on a node. Instant blocks, polkadot.js over a real WebSocket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Keyring } from '@polkadot/keyring';
import { startTestChain, type TestChain } from '../helpers/devnet';

let t: TestChain;
const keyring = new Keyring({ type: 'sr25519' });

before(async () => {
  t = await startTestChain();
});
after(async () => t.close());

async function nextNonce(address: string): Promise<number> {
  return (await t.api.rpc.system.accountNextIndex(address)).toNumber();
}

async function signedRemark(uri: string, bytes: number, nonce: number): Promise<string> {
  // A hex string is the bytes themselves (a Uint8Array would be read as SCALE).
  const tx = t.api.tx.system.remark(`0x${'07'.repeat(bytes)}`);
  await tx.signAsync(keyring.addFromUri(uri), { nonce });
  return tx.toHex();
}

const submit = async (hex: string) => (await t.api.rpc.author.submitExtrinsic(hex)).toHex();

test('a future-nonce transaction waits in the pool without making the chain build blocks', async () => {
  const bob = keyring.addFromUri('//Bob');
  const future = await signedRemark('//Bob', 10, (await nextNonce(bob.address)) + 5);
  await submit(future);
  await delay(500);
  const start = t.devnet.chain.tree.best.number;
  await delay(3000);
  const built = t.devnet.chain.tree.best.number - start;
  assert.ok(built <= 1, `${built} blocks were built for a transaction that cannot go in yet`);
  // Held, but not ready: a node lists its ready transactions only, and knows this one already.
  assert.ok(!(await t.api.rpc.author.pendingExtrinsics()).some((x) => x.toHex() === future), 'a transaction waiting for a gap is listed as pending');
  await assert.rejects(submit(future), /1013: Transaction Already Imported/);
});

test('an extrinsic larger than a block can hold is refused as exhausting resources', async () => {
  const dave = keyring.addFromUri('//Dave');
  const huge = await signedRemark('//Dave', 4 * 1024 * 1024, await nextNonce(dave.address));
  await assert.rejects(submit(huge), /1010: Invalid Transaction: Transaction would exhaust the block limits/);
  assert.ok(!(await t.api.rpc.author.pendingExtrinsics()).some((x) => x.toHex() === huge));
});

test('future transactions fill at most 2 MiB of the pool; ready ones still get in', async () => {
  const charlie = keyring.addFromUri('//Charlie');
  const base = (await nextNonce(charlie.address)) + 10;
  for (let i = 0; i < 5; i++) await submit(await signedRemark('//Charlie', 400_000, base + i));
  const over = await signedRemark('//Charlie', 400_000, base + 5);
  await assert.rejects(submit(over), /1016: Immediately Dropped/);

  // Another signer's ready transaction is not held up by the full future part.
  const eve = keyring.addFromUri('//Eve');
  const ready = await signedRemark('//Eve', 400_000, await nextNonce(eve.address));
  await submit(ready);
  const deadline = Date.now() + 20_000;
  while ((await t.api.rpc.author.pendingExtrinsics()).some((x) => x.toHex() === ready)) {
    assert.ok(Date.now() < deadline, 'the ready transaction was never included');
    await delay(100);
  }
});
