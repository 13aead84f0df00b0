// A node keeps one transaction per signer and nonce, and lets a later one take its place only
// with a strictly higher priority, which a tip buys: the one replaced hears "usurped". Without a
// higher tip the later one is refused with both priorities named. polkadot.js over a real
// WebSocket; blocks only on request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Keyring } from '@polkadot/keyring';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';

let t: TestChain;
const keyring = new Keyring({ type: 'sr25519' });

before(async () => {
  t = await startTestChain({ manualSeal: true });
});
after(async () => t.close());

const send = <T>(method: string, params: unknown[]) => rpcSend<T>(t.api, method, params);

test('a higher tip replaces a pooled transaction with the same nonce; an equal one is refused', async () => {
  const charlie = keyring.addFromUri('//Charlie');
  const nonce = (await t.api.rpc.system.accountNextIndex(charlie.address)).toNumber();
  const first = t.api.tx.system.remark('first');
  await first.signAsync(charlie, { nonce });
  const statuses: string[] = [];
  await t.api.rpc.author.submitAndWatchExtrinsic(first, (status) => void statuses.push(status.isUsurped ? `Usurped ${status.asUsurped.toHex()}` : status.type));

  const rival = t.api.tx.system.remark('rival without a tip');
  await rival.signAsync(charlie, { nonce });
  // Without tips both rank by how many of them a block holds, (0 + 1) × that, so the longer rival
  // ranks lower (tx-priority.test.ts checks the numbers).
  await assert.rejects(send('author_submitExtrinsic', [rival.toHex()]), (error: Error) => {
    const [, old, offered] = /1014: Priority is too low: \((\d+) vs (\d+)\)/.exec(error.message) ?? [];
    return old !== undefined && BigInt(offered) < BigInt(old);
  });

  const tipped = t.api.tx.system.remark('rival with a tip');
  await tipped.signAsync(charlie, { nonce, tip: 1_000_000_000n });
  const tippedHash = await send<string>('author_submitExtrinsic', [tipped.toHex()]);
  await delay(100);
  assert.deepEqual(statuses, ['Ready', `Usurped ${tippedHash}`]);
  assert.deepEqual((await t.api.rpc.author.pendingExtrinsics()).map((x) => x.toHex()), [tipped.toHex()]);

  // The same tip on a transaction of the same size does not outbid it.
  const again = t.api.tx.system.remark('rival with a tap');
  await again.signAsync(charlie, { nonce, tip: 1_000_000_000n });
  await assert.rejects(send('author_submitExtrinsic', [again.toHex()]), /1014: Priority is too low: \((\d+) vs \1\)/);

  await send('dev_newBlock', [{}]);
  const { block } = await t.api.rpc.chain.getBlock();
  assert.ok(block.extrinsics.some((x) => x.toHex() === tipped.toHex()), 'the replacement was included');
  assert.ok(!block.extrinsics.some((x) => x.toHex() === first.toHex()), 'the replaced one was not');
});
