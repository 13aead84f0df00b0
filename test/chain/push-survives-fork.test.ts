// A push is answered 201 once its transaction is in a block (the default, record-until-inBlock).
// A fork can retract that block before it is final; a node then puts the transaction back into
// its pool and a block of the new branch includes it, so the record the 201 stood for lands
// after all, once, with nothing for the gateway to do. Shown on the dev chain with the node's
// behaviour (dev_newBlock's `retracted: "resubmit"`), blocks only on request, over a real WebSocket.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ChainRecorder } from '../../src/gateway/push/chain-recorder';
import { type ManualPushChain, startManualPushChain } from './helpers/manual-pushes';

let chain: ManualPushChain;

before(async () => {
  chain = await startManualPushChain();
});
after(async () => chain?.t.close());

test('a push whose block a fork retracts is included again in the new branch and recorded once', async () => {
  const recorder = new ChainRecorder(chain.t.api, chain.gatedSigner().account, { timeoutMs: 8_000 });
  const push = chain.head('f0');
  const outcome = await chain.sealUntil(recorder.record(push));
  assert.equal(outcome.status, 'fulfilled', outcome.status === 'rejected' ? String(outcome.reason) : '');
  const pushed = await chain.t.api.rpc.chain.getHeader();
  assert.equal(await chain.recordedDigest('f0'), push.head!.digest, 'recorded in the block the 201 named');

  // A longer branch from the push block's parent: the push's block is retracted.
  const fork = await chain.send<string>('dev_newBlock', [{ parent: pushed.parentHash.toHex(), count: 2, retracted: 'resubmit' }]);
  assert.notEqual(fork, pushed.hash.toHex());
  const forkHead = await chain.t.api.rpc.chain.getHeader();
  assert.equal(forkHead.hash.toHex(), fork, 'the branch without the push is best');
  const inForkBefore = await chain.t.api.query.system.account.at(fork, chain.gatewayPair.address);
  assert.equal(await chain.recordedDigest('f0'), undefined, 'the new branch has not recorded it yet');

  // The node's pool holds the push again; the next block of the new branch includes it.
  assert.equal((await chain.pending()).length, 1, 'the retracted push is back in the pool');
  await chain.send('dev_newBlock', [{}]);
  assert.equal(await chain.recordedDigest('f0'), push.head!.digest);
  const nonceAfter = (await chain.t.api.query.system.account(chain.gatewayPair.address)).nonce.toNumber();
  assert.equal(nonceAfter, inForkBefore.nonce.toNumber() + 1, 'recorded once: one transaction of the gateway key on the new branch');
  assert.deepEqual(await chain.pending(), [], 'nothing left to record it a second time');
});
