// A node that removes a transaction from its pool as invalid also removes the same signer's
// transactions waiting behind its nonce (the dev chain too: author_removeExtrinsic, or a block
// finding one invalid). A push removed that way did nothing wrong and nothing of it was recorded,
// so the recorder signs it again with a fresh nonce instead of answering 503; a push removed for
// itself is not signed again. Dev chain over a real WebSocket, blocks only on request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Signer, SignerPayloadJSON } from '@polkadot/types/types';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { ChainTxError, createSpace, grantGateway, manifestDigest, submitTx } from '../../src/chain';
import { ChainRecorder, type PushRecords } from '../../src/gateway/push/chain-recorder';

let t: TestChain;
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';

const send = <T>(method: string, params: unknown[]) => (t.api as unknown as { _rpcCore: { provider: { send(m: string, p: unknown[]): Promise<T> } } })._rpcCore.provider.send(method, params);
const pending = () => send<string[]>('author_pendingExtrinsics', []);

/** Builds a block whenever transactions wait, until `work` settles (or `ms` pass). */
async function sealUntil<T>(work: Promise<T>, ms = 15_000): Promise<PromiseSettledResult<T>> {
  let settled: PromiseSettledResult<T> | undefined;
  void work.then(
    (value) => (settled = { status: 'fulfilled', value }),
    (reason: unknown) => (settled = { status: 'rejected', reason }),
  );
  const end = Date.now() + ms;
  while (!settled && Date.now() < end) {
    if ((await pending()).length > 0) await send('dev_newBlock', [{}]);
    await delay(50);
  }
  return settled ?? { status: 'rejected', reason: new Error(`still waiting after ${ms} ms`) };
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (const end = Date.now() + 10_000; Date.now() < end; await delay(20)) if (await check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

/** The gateway's key behind a signer that counts its signatures. */
function countingSigner(pair: KeyringPair) {
  let signings = 0;
  const signer: Signer = {
    signPayload: async (payload: SignerPayloadJSON) => {
      signings++;
      const raw = t.api.registry.createType('ExtrinsicPayload', payload, { version: payload.version });
      return { id: signings, signature: raw.sign(pair).signature };
    },
  };
  return {
    account: { address: pair.address, signer },
    get signings() {
      return signings;
    },
  };
}

const head = (tag: string): PushRecords => ({ owner: keyring.addFromUri('//Alice').address, repo: 'acme', digests: [], head: { image: 'app', tag, digest: `sha256:${tag.repeat(64).slice(0, 64)}`, cid: CID } });
const recordedDigest = async (tag: string) => (await manifestDigest(t.api, { repo: 'acme', image: 'app', tag }))?.text;
const isPoolInvalid = (error: unknown) => error instanceof ChainTxError && error.kind === 'pool' && error.chainErrorName === 'Invalid';

before(async () => {
  t = await startTestChain({ manualSeal: true });
  const alice = keyring.addFromUri('//Alice');
  const gateway = keyring.addFromUri('//Gateway');
  for (const setup of [() => submitTx(t.api, createSpace(t.api, 'acme'), alice), () => grantGateway(t.api, alice, gateway.address)]) {
    const done = await sealUntil(setup());
    assert.equal(done.status, 'fulfilled', done.status === 'rejected' ? String(done.reason) : '');
  }
});
after(async () => t.close());

test('a push the node removes together with the transaction ahead of it is signed again and recorded', async () => {
  const gateway = countingSigner(keyring.addFromUri('//Gateway'));
  const recorder = new ChainRecorder(t.api, gateway.account, { timeoutMs: 8_000 });

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
  const gateway = countingSigner(keyring.addFromUri('//Gateway'));
  const recorder = new ChainRecorder(t.api, gateway.account, { timeoutMs: 8_000 });

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
