// Inputs a Substrate node refuses, which the dev chain must refuse the same way rather than take
// (or answer with an internal error): an inherent sent as a transaction, a mortal era born before
// the blocks System.BlockHash remembers, an account id that is not 32 bytes. polkadot.js over a
// real WebSocket, and raw JSON-RPC over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { startTestChain, type TestChain } from '../helpers/devnet';

let t: TestChain;
const keyring = new Keyring({ type: 'sr25519' });
const MANDATORY = /1010: Invalid Transaction: Transaction dispatch is mandatory; transactions must not be validated\./;

before(async () => {
  t = await startTestChain();
});
after(async () => t.close());

async function http(method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const response = await fetch(t.devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
}

test('Timestamp.set, the inherent, is refused as a transaction whether signed or not', async () => {
  const alice = keyring.addFromUri('//Alice');
  const unsigned = t.api.tx.timestamp.set(Date.now()).toHex();
  await assert.rejects(t.api.rpc.author.submitExtrinsic(unsigned), MANDATORY);
  const signed = t.api.tx.timestamp.set(Date.now());
  await signed.signAsync(alice, { nonce: (await t.api.rpc.system.accountNextIndex(alice.address)).toNumber() });
  await assert.rejects(t.api.rpc.author.submitExtrinsic(signed.toHex()), MANDATORY);
  assert.equal((await t.api.rpc.author.pendingExtrinsics()).length, 0);
});

test('a mortal era born before the last BlockHashCount blocks is an ancient birth block', async () => {
  const bob = keyring.addFromUri('//Bob');
  const count = t.api.consts.system.blockHashCount.toNumber();
  const birth = t.devnet.chain.tree.best.number + 1;
  await http('dev_newBlock', [{ count: count + 20 }]);
  const birthHash = (await t.api.rpc.chain.getBlockHash(birth)).toHex();
  const tx = t.api.tx.system.remark('born long ago');
  // A period long enough that the era is still alive: only the forgotten birth block is wrong.
  await tx.signAsync(bob, { era: t.api.createType('ExtrinsicEra', { current: birth, period: 4 * count }), blockHash: birthHash, nonce: (await t.api.rpc.system.accountNextIndex(bob.address)).toNumber() });
  await assert.rejects(t.api.rpc.author.submitExtrinsic(tx.toHex()), /1010: Invalid Transaction: Transaction has an ancient birth block/);

  // The same era born within the remembered blocks is fine.
  const recent = t.devnet.chain.tree.best.number - 5;
  const ok = t.api.tx.system.remark('born recently');
  await ok.signAsync(bob, { era: t.api.createType('ExtrinsicEra', { current: recent, period: 4 * count }), blockHash: (await t.api.rpc.chain.getBlockHash(recent)).toHex(), nonce: (await t.api.rpc.system.accountNextIndex(bob.address)).toNumber() });
  assert.match((await t.api.rpc.author.submitExtrinsic(ok.toHex())).toHex(), /^0x[0-9a-f]{64}$/);
});

test('the oldest birth block a node remembers is BlockHashCount + 1 blocks before the block being built', async () => {
  // A node checks a transaction for the next block: initializing it adds the best block's hash to
  // System.BlockHash, which still holds the BlockHashCount before it (each block's finalization
  // drops the one BlockHashCount + 1 back). So the next block n takes a birth at n - count - 1.
  const charlie = keyring.addFromUri('//Charlie');
  const count = t.api.consts.system.blockHashCount.toNumber();
  await http('dev_newBlock', [{ count: count + 5 }]);
  const next = t.devnet.chain.tree.best.number + 1;
  const signedAt = async (birth: number, remark: string) => {
    const tx = t.api.tx.system.remark(remark);
    await tx.signAsync(charlie, { era: t.api.createType('ExtrinsicEra', { current: birth, period: 4 * count }), blockHash: (await t.api.rpc.chain.getBlockHash(birth)).toHex(), nonce: (await t.api.rpc.system.accountNextIndex(charlie.address)).toNumber() });
    return tx.toHex();
  };
  await assert.rejects(t.api.rpc.author.submitExtrinsic(await signedAt(next - count - 2, 'one block too old')), /ancient birth block/);
  assert.match((await t.api.rpc.author.submitExtrinsic(await signedAt(next - count - 1, 'the oldest remembered'))).toHex(), /^0x[0-9a-f]{64}$/);
});

test('an account id that is not 32 bytes is invalid params, not an internal error', async () => {
  for (const account of ['0x00', `0x${'ff'.repeat(16)}`, `0x${'ab'.repeat(33)}`]) {
    const reply = await http('system_accountNextIndex', [account]);
    assert.equal(reply.error?.code, -32602, `${account}: ${JSON.stringify(reply)}`);
    assert.match(reply.error!.message, /not a 32-byte account id/);
  }
  assert.equal((await http('system_accountNextIndex', [`0x${'00'.repeat(31)}01`])).result, 0);
});
