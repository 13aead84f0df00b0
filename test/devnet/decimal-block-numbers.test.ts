// A node takes a block number as a JSON number or 0x-prefixed hex (NumberOrHex), alone or in a
// list; a decimal string such as "12" is neither, and jsonrpsee refuses it as invalid params
// with serde's reason. The dev chain must refuse it the same way instead of reading it as 12,
// over HTTP and WebSocket (polkadot.js's provider). Past u32::MAX a block number is an error
// in a node (its database keys blocks by u32), not an unknown block; and state_getKeysPaged's
// count is a u32 that a string does not give.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';

let t: TestChain;

before(async () => {
  t = await startTestChain({ manualSeal: true });
  await rpcSend(t.api, 'dev_newBlock', [{ count: 12 }]);
});
after(async () => t.close());

async function http(method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }> {
  const response = await fetch(t.devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await response.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
}

const NODE_REFUSAL = { code: -32602, message: 'Invalid params', data: 'data did not match any variant of untagged enum ListOrValue' };

test('chain_getBlockHash refuses a decimal string as a node does, alone or in a list', async () => {
  for (const param of ['12', '0', ['12'], [12, '1'], -1, 1.5, { number: 12 }]) {
    const reply = await http('chain_getBlockHash', [param]);
    assert.deepEqual(reply, { jsonrpc: '2.0', id: 1, error: NODE_REFUSAL }, `chain_getBlockHash(${JSON.stringify(param)})`);
  }
  await assert.rejects(rpcSend(t.api, 'chain_getBlockHash', ['12']), /-32602: Invalid params: data did not match any variant of untagged enum ListOrValue/);
});

test('numbers and hex still name blocks, alone or in a list', async () => {
  const twelve = (await http('chain_getBlockHash', [12])).result;
  assert.match(String(twelve), /^0x[0-9a-f]{64}$/);
  assert.equal((await http('chain_getBlockHash', ['0xc'])).result, twelve);
  assert.deepEqual((await http('chain_getBlockHash', [[12, '0xC', 13]])).result, [twelve, twelve, null]);
  assert.equal(await rpcSend(t.api, 'chain_getBlockHash', [12]), twelve);
  assert.equal((await t.api.rpc.chain.getBlockHash(12)).toHex(), twelve, 'polkadot.js sends numbers');
});

test('dev_setHead and dev_newBlock take numbers and hex, not decimal strings', async () => {
  const [eleven, twelve] = [await rpcSend<string>(t.api, 'chain_getBlockHash', [11]), await rpcSend<string>(t.api, 'chain_getBlockHash', [12])];
  await assert.rejects(rpcSend(t.api, 'dev_setHead', ['11']), /-32602: Invalid params: expected a block number \(a number or 0x hex\), got "11"/);
  await assert.rejects(rpcSend(t.api, 'dev_newBlock', [{ parent: '11' }]), /-32602: Invalid params: expected a block number/);
  assert.equal(await rpcSend(t.api, 'chain_getHead', []), twelve, 'refused: the head did not move');
  assert.equal(await rpcSend(t.api, 'dev_setHead', ['0xb']), eleven);
  assert.equal(await rpcSend(t.api, 'dev_setHead', [twelve]), twelve);
  assert.equal(await rpcSend(t.api, 'dev_setHead', [11]), eleven);
});

test('chain_getBlockHash past u32::MAX errs as a node does; hex past 64 digits is not a number at all', async () => {
  const past = (written: string) => ({ code: 3001, message: `\`${written}\` > u32::MAX, the max block number is u32.` });
  assert.deepEqual((await http('chain_getBlockHash', [4_294_967_296])).error, past('Number(4294967296)'));
  assert.deepEqual((await http('chain_getBlockHash', ['0x100000000'])).error, past('Hex(4294967296)'));
  assert.deepEqual((await http('chain_getBlockHash', [[1, '0xffffffffffffffffff']])).error, past('Hex(4722366482869645213695)'), 'one number past u32 fails the whole list');
  assert.deepEqual((await http('chain_getBlockHash', [`0x1${'0'.repeat(64)}`])).error, NODE_REFUSAL, '65 hex digits: not a U256');
  assert.equal((await http('chain_getBlockHash', [4_294_967_295])).result, null, 'u32::MAX itself is a height no block has yet');
  assert.equal((await http('chain_getBlockHash', [`0x${'0'.repeat(63)}c`])).result, (await http('chain_getBlockHash', [12])).result, 'leading zeros within 64 digits');
  await assert.rejects(rpcSend(t.api, 'chain_getBlockHash', [2 ** 40]), /3001: `Number\(1099511627776\)` > u32::MAX, the max block number is u32\./);
});

test('state_getKeysPaged takes its count as a number only, as a node does', async () => {
  const prefix = '0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9';
  const keys = (await http('state_getKeysPaged', [prefix, 2])).result;
  assert.ok(Array.isArray(keys) && keys.length === 2, JSON.stringify(keys));
  for (const count of ['2', -1, 1.5, 2 ** 32]) {
    const reply = await http('state_getKeysPaged', [prefix, count]);
    assert.equal(reply.error?.code, -32602, `count ${JSON.stringify(count)}: ${JSON.stringify(reply)}`);
    assert.equal(reply.error?.message, `Invalid params: count must be a number from 0 to 1000, got ${JSON.stringify(count)}`);
  }
});
