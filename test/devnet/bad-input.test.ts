// Bad input never crashes the node: malformed JSON-RPC, unknown methods, wrong parameters for
// every method it serves, garbage extrinsic bytes and oversized requests all get JSON-RPC
// errors, and the node keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { startDevnet, type Devnet } from '../../src/devnet/node';

let devnet: Devnet;
const internalErrors: string[] = [];

before(async () => {
  devnet = await startDevnet({ port: 0, manualSeal: true, log: (line) => internalErrors.push(line) });
});
after(async () => devnet.close());

async function post(body: string): Promise<{ status: number; json: any }> {
  const response = await fetch(devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

const call = (method: string, params: unknown) => post(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));

async function assertStillServing(): Promise<void> {
  const { json } = await call('chain_getHeader', []);
  assert.equal(json.result.number.startsWith('0x'), true);
}

test('malformed JSON, non-requests and unknown methods get JSON-RPC errors', async () => {
  assert.equal((await post('{"jsonrpc":"2.0",')).json.error.code, -32700);
  assert.equal((await post('42')).json.error.code, -32600);
  assert.equal((await post('[]')).json.error.code, -32600);
  const unknown = await call('chain_getEverything', []);
  assert.equal(unknown.json.error.code, -32601);
  await assertStillServing();
});

test('every served method answers bad parameters with an error or a value, never a crash', async () => {
  const { json } = await call('rpc_methods', []);
  const methods: string[] = json.result.methods;
  assert.ok(methods.length > 40);
  const badParams: unknown[] = [[123], ['zz'], [{}], ['0x1'], [null, 'nothex'], [['0xzz']], ['0x' + '00'.repeat(32), 'x', -1], [true, false]];
  for (const method of methods.filter((m) => !m.includes('subscribe') && m !== 'dev_newBlock')) {
    for (const params of badParams) {
      const { json: reply } = await call(method, params);
      assert.ok(reply && ('result' in reply || 'error' in reply), `${method}(${JSON.stringify(params)}) gave a JSON-RPC reply`);
      if (reply.error) assert.notEqual(reply.error.code, -32603, `${method}(${JSON.stringify(params)}) must be refused as bad input, not fail inside: ${reply.error.message}`);
    }
  }
  assert.deepEqual(internalErrors, []);
  await assertStillServing();
});

test('garbage extrinsic bytes are refused as invalid format', async () => {
  for (let i = 0; i < 200; i++) {
    const body = randomBytes(1 + (i % 150));
    const bytes = i % 2 ? body : u8aConcat(compactToU8a(body.length), body);
    const { json } = await call('author_submitExtrinsic', [u8aToHex(bytes)]);
    assert.ok(json.error, `garbage #${i} was accepted`);
    assert.ok([1001, 1010, 1011].includes(json.error.code), `garbage #${i}: ${JSON.stringify(json.error)}`);
  }
  const { json: pending } = await call('author_pendingExtrinsics', []);
  assert.deepEqual(pending.result, []);
  await assertStillServing();
});

test('an oversized request gets an error and the node keeps serving', async () => {
  const huge = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'author_submitExtrinsic', params: ['0x' + 'ab'.repeat(8 * 1024 * 1024)] });
  const { status, json } = await post(huge);
  assert.equal(status, 413);
  assert.match(json.error.message, /too big/i);
  await assertStillServing();
});

test('unknown block hashes are errors that say "not found"; heights above the head are null', async () => {
  const { json: storage } = await call('state_getStorage', ['0x26aa394eea5630e07c48ae0c9558cef7', '0x' + '12'.repeat(32)]);
  assert.match(storage.error.message, / not found/);
  const { json: hash } = await call('chain_getBlockHash', [1_000_000]);
  assert.equal(hash.result, null);
  const { json: header } = await call('chain_getHeader', ['0x' + '12'.repeat(32)]);
  assert.equal(header.result, null);
});
