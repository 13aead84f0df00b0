// A push the node takes into its pool and later removes (here with author_removeExtrinsic, as a
// node removes a transaction that turned invalid) leaves its nonce unused. A push that took the
// next nonce meanwhile must not wait behind that gap until some later push happens to fill it:
// the recorder fills it itself. Dev chain over a real WebSocket, blocks only on request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type ManualPushChain, startManualPushChain } from './helpers/manual-pushes';
import { ChainTxError, manifestDigest, NONCE_FILLER_TEXT } from '../../src/chain';
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

test('a push signed while the one before it is removed from the pool is recorded without waiting for another push', async () => {
  const gateway = chain.gatedSigner();
  const recorder = new ChainRecorder(chain.t.api, gateway.account, { timeoutMs: 8_000 });
  const nonceBefore = (await chain.t.api.rpc.system.accountNextIndex(gateway.account.address)).toNumber();

  const first = recorder.record(head('a'));
  first.catch(() => undefined);
  await until(async () => (await pending()).length === 1, 'the first push in the pool');
  const [firstHex] = await pending();

  // The second push takes the next nonce; its signature is held back while the first is removed.
  gateway.hold();
  const second = recorder.record(head('b'));
  await until(() => gateway.signings === 2, 'the second push to be signing');
  const removed = await send<string[]>('author_removeExtrinsic', [[{ extrinsic: firstHex }]]);
  assert.equal(removed.length, 1);
  await assert.rejects(first, (error: unknown) => error instanceof ChainTxError && error.kind === 'pool' && error.chainErrorName === 'Invalid');
  gateway.release();

  const outcome = await sealUntil(second);
  assert.equal(outcome.status, 'fulfilled', outcome.status === 'rejected' ? `the second push: ${String(outcome.reason)}` : '');
  assert.equal((await manifestDigest(chain.t.api, { repo: 'acme', image: 'app', tag: 'b' }))?.text, head('b').head!.digest);
  assert.equal(await manifestDigest(chain.t.api, { repo: 'acme', image: 'app', tag: 'a' }), undefined);
  // The removed push's nonce went to a remark that says what it is for.
  assert.equal((await chain.t.api.rpc.system.accountNextIndex(gateway.account.address)).toNumber(), nonceBefore + 2);
  const text = Buffer.from(NONCE_FILLER_TEXT).toString('hex');
  let found = false;
  for (let hash = (await chain.t.api.rpc.chain.getHeader()).hash; !found; ) {
    const { block } = await chain.t.api.rpc.chain.getBlock(hash);
    found = block.extrinsics.some((x) => x.method.section === 'system' && x.method.method === 'remark' && x.toHex().includes(text));
    if (block.header.number.toNumber() === 0) break;
    hash = block.header.parentHash;
  }
  assert.ok(found, 'a nonce filler remark was included');
});

test('after a refused push, the next one takes the unused nonce rather than one past it', async () => {
  const gateway = chain.gatedSigner();
  const recorder = new ChainRecorder(chain.t.api, gateway.account, { timeoutMs: 8_000 });
  const first = recorder.record(head('c'));
  first.catch(() => undefined);
  await until(async () => (await pending()).length === 1, 'the push in the pool');
  const [hex] = await pending();
  await send('author_removeExtrinsic', [[{ extrinsic: hex }]]);
  await assert.rejects(first);
  const outcome = await sealUntil(recorder.record(head('d')));
  assert.equal(outcome.status, 'fulfilled', outcome.status === 'rejected' ? String(outcome.reason) : '');
  assert.equal((await manifestDigest(chain.t.api, { repo: 'acme', image: 'app', tag: 'd' }))?.text, head('d').head!.digest);
});
