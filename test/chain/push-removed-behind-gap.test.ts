// A node that removes a transaction from its pool as invalid also removes the same signer's
// transactions waiting behind its nonce (the dev chain too: author_removeExtrinsic, or a block
// finding one invalid). A push removed that way did nothing wrong and nothing of it was recorded,
// so the recorder signs it again with a fresh nonce instead of answering 503; a push removed for
// itself is not signed again. Dev chain over a real WebSocket, blocks only on request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ManualPushChain, startManualPushChain } from './helpers/manual-pushes';
import { ChainTxError } from '../../src/chain';
import { ChainRecorder } from '../../src/gateway/push/chain-recorder';

let chain: ManualPushChain;

before(async () => {
  chain = await startManualPushChain();
});
after(async () => chain.t.close());

const send = <T>(method: string, params: unknown[]) => chain.send<T>(method, params);
const pending = () => chain.pending();
const sealUntil = <T>(work: Promise<T>) => chain.sealUntil(work);
const until = (check: () => Promise<boolean> | boolean, what: string) => chain.until(check, what);
const head = (tag: string) => chain.head(tag);
const recordedDigest = async (tag: string) => chain.recordedDigest(tag);
const isPoolInvalid = (error: unknown) => error instanceof ChainTxError && error.kind === 'pool' && error.chainErrorName === 'Invalid';

test('a push the node removes together with the transaction ahead of it is signed again and recorded', async () => {
  const gateway = chain.gatedSigner();
  const recorder = new ChainRecorder(chain.t.api, gateway.account, { timeoutMs: 8_000 });

  const first = recorder.record(head('a1'));
  first.catch(() => undefined);
  await until(async () => (await pending()).length === 1, 'the first push in the pool');
  const [firstHex] = await pending();
  const second = recorder.record(head('b1'));
  second.catch(() => undefined);
  await until(async () => (await pending()).length === 2, 'the second push waiting behind the first');

  // The node removes the first push; the second, waiting behind its nonce, leaves with it.
  const removed = await send<string[]>('author_removeExtrinsic', [[{ extrinsic: firstHex }]]);
  assert.equal(removed.length, 2, 'the dev chain removed the second push along with the first');
  await assert.rejects(first, isPoolInvalid);

  const outcome = await sealUntil(second);
  assert.equal(outcome.status, 'fulfilled', outcome.status === 'rejected' ? `the second push: ${String(outcome.reason)}` : '');
  assert.equal(await recordedDigest('b1'), head('b1').head!.digest);
  assert.equal(await recordedDigest('a1'), undefined, 'the push removed for itself is not signed again');
  assert.ok(gateway.signings >= 3, 'the second push was signed again');
});

test('a push the node removes while the transaction ahead of it stays is not signed again', async () => {
  const gateway = chain.gatedSigner();
  const recorder = new ChainRecorder(chain.t.api, gateway.account, { timeoutMs: 8_000 });

  const first = recorder.record(head('a2'));
  first.catch(() => undefined);
  await until(async () => (await pending()).length === 1, 'the first push in the pool');
  const [firstHex] = await pending();
  const second = recorder.record(head('b2'));
  second.catch(() => undefined);
  await until(async () => (await pending()).length === 2, 'the second push waiting behind the first');
  const secondHex = (await pending()).find((hex) => hex !== firstHex)!;

  const removed = await send<string[]>('author_removeExtrinsic', [[{ extrinsic: secondHex }]]);
  assert.equal(removed.length, 1);
  await assert.rejects(second, isPoolInvalid);
  const outcome = await sealUntil(first);
  assert.equal(outcome.status, 'fulfilled', outcome.status === 'rejected' ? String(outcome.reason) : '');
  assert.equal(await recordedDigest('a2'), head('a2').head!.digest);
  assert.equal(await recordedDigest('b2'), undefined);
  assert.equal(gateway.signings, 2, 'nothing was signed again');
});
