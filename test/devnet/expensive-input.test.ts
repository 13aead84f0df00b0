// Small requests that cost the dev chain far more than they cost the sender: an account string
// that base58 decodes in quadratic time, an extrinsic packed with calls that @polkadot/types
// decodes one by one, and parameters that the error message would echo in full or could not even
// serialize. Each is refused quickly, with a node's error code, and the chain keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { startDevnet, type Devnet } from '../../src/devnet/node';
import { MAX_EXTRINSIC_CALLS } from '../../src/devnet/execution/check-extrinsic';
import { BATCHED_CALLS_LIMIT } from '../../src/devnet/runtime/pallets/utility';
import { watchEventLoop } from '../helpers/event-loop-watch';

let devnet: Devnet;
const internalErrors: string[] = [];

before(async () => {
  devnet = await startDevnet({ port: 0, manualSeal: true, log: (line) => internalErrors.push(line) });
});
after(async () => devnet.close());

async function post(body: string): Promise<{ ms: number; text: string; json: any }> {
  const started = Date.now();
  const response = await fetch(devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  return { ms: Date.now() - started, text, json: JSON.parse(text) };
}

const call = (method: string, params: unknown[]) => post(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));

async function assertStillServing(): Promise<void> {
  const { json } = await call('chain_getHead', []);
  assert.match(json.result, /^0x[0-9a-f]{64}$/);
}

/** An unsigned extrinsic (v4) of `Utility.batch` (31, 0) holding `count` `System.remark("")` (1, 0). */
function unsignedBatchOfRemarks(count: number): string {
  const remarks = new Uint8Array(count * 3);
  for (let i = 0; i < count; i++) remarks.set([1, 0, 0], i * 3);
  const body = u8aConcat([4], [31, 0], compactToU8a(count), remarks);
  return u8aToHex(u8aConcat(compactToU8a(body.length), body));
}

test('a string of 100,000 characters as an account is refused at once, not base58-decoded for many seconds', async () => {
  for (const address of ['5' + '1'.repeat(100_000), '0x' + '00'.repeat(50_000)]) {
    const { ms, json, text } = await call('system_accountNextIndex', [address]);
    assert.equal(json.error?.code, -32602, text.slice(0, 300));
    assert.match(json.error.message, /characters, not an account: give an SS58 address or 0x-prefixed 32-byte hex/);
    assert.ok(text.length < 1000, `the refusal quotes the input whole (${text.length} characters)`);
    assert.ok(ms < 1500, `the refusal took ${ms} ms`);
  }
  const { json } = await call('system_accountNextIndex', ['5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY']);
  assert.equal(json.result, 0);
  await assertStillServing();
});

test('an unsigned batch of 100,000 calls is refused before it is decoded in full; a batch at Utility\'s limit still decodes', async () => {
  const flood = unsignedBatchOfRemarks(100_000);
  for (const method of ['author_submitExtrinsic', 'payment_queryInfo']) {
    const { ms, json, text } = await call(method, [flood]);
    assert.equal(json.error?.code, 1010, `${method}: ${text.slice(0, 300)}`);
    assert.match(json.error.data, new RegExp(`exhaust the block limits: it holds more than ${MAX_EXTRINSIC_CALLS} calls .*split it into several transactions`));
    // Decoding all 100,000 took 4-10 s of the event loop; the limit stops after 11,000.
    assert.ok(ms < 3000, `${method} took ${ms} ms`);
  }
  const { json: full } = await call('payment_queryInfo', [unsignedBatchOfRemarks(BATCHED_CALLS_LIMIT)]);
  assert.equal(full.result?.class, 'normal', JSON.stringify(full).slice(0, 300));
  // The decoder is left as it was: an ordinary extrinsic decodes (and, unsigned, has no validator).
  const { json: small } = await call('author_submitExtrinsic', [unsignedBatchOfRemarks(2)]);
  assert.equal(small.error?.code, 1011, JSON.stringify(small));
  assert.deepEqual(internalErrors, []);
  await assertStillServing();
});

test('calls nested a thousand deep are invalid format with a short reason', async () => {
  let nested: Uint8Array = new Uint8Array([1, 0, 0]);
  for (let i = 0; i < 1000; i++) nested = u8aConcat([31, 0], compactToU8a(1), nested);
  const body = u8aConcat([4], nested);
  const { json, text } = await call('author_submitExtrinsic', [u8aToHex(u8aConcat(compactToU8a(body.length), body))]);
  assert.equal(json.error?.code, 1001, text.slice(0, 300));
  assert.ok(text.length < 1000, `the reason repeats the path of every level (${text.length} characters)`);
  await assertStillServing();
});

test('a block hash parameter nested 100,000 deep or 5 MB long is invalid params, quoted briefly', async () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  for (const [method, params] of [['state_getStorage', `"0x00",${deep}`], ['state_getMetadata', deep], ['chain_getHeader', `"${'x'.repeat(5_000_000)}"`]]) {
    const { json, text } = await post(`{"jsonrpc":"2.0","id":1,"method":"${method}","params":[${params}]}`);
    assert.equal(json.error?.code, -32602, `${method}: ${text.slice(0, 300)}`);
    assert.match(json.error.message, /expected a 32-byte block hash/);
    assert.ok(text.length < 1000, `${method}: the refusal quotes the input whole (${text.length} characters)`);
  }
  assert.deepEqual(internalErrors, []);
  await assertStillServing();
});

test('a batch of slow calls hands the event loop to others between calls, not only every 256 calls', async () => {
  // Each call decodes 3,000 calls (100-300 ms); 20 of them held the loop for seconds in one go.
  const slow = { jsonrpc: '2.0', method: 'payment_queryInfo', params: [unsignedBatchOfRemarks(3000)] };
  const body = JSON.stringify(Array.from({ length: 20 }, (_, id) => ({ ...slow, id })));
  const stalls = watchEventLoop();
  let longestStall: number;
  let ms: number;
  try {
    const reply = await post(body);
    ms = reply.ms;
    assert.equal(reply.json.length, 20);
    assert.ok(reply.json.every((r: any) => r.result?.class === 'normal'));
  } finally {
    longestStall = stalls.stop();
  }
  // With a pause between calls, the longest stall is about one call, a small part of the batch.
  assert.ok(longestStall < ms / 4, `the event loop stalled for ${longestStall.toFixed(0)} ms of the batch's ${ms} ms`);
  await assertStillServing();
});
