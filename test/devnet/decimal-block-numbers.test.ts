// A node takes a block number as a JSON number or 0x-prefixed hex (NumberOrHex), alone or in a
// list; a decimal string such as "12" is neither, and jsonrpsee refuses it as invalid params
// with serde's reason. The dev chain must refuse it the same way instead of reading it as 12,
// over HTTP and WebSocket (polkadot.js's provider).
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
