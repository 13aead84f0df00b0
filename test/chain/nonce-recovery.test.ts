// A push the node takes into its pool and later removes (here with author_removeExtrinsic, as a
// node removes a transaction that turned invalid) leaves its nonce unused. A push that took the
// next nonce meanwhile must not wait behind that gap until some later push happens to fill it:
// the recorder fills it itself. Dev chain over a real WebSocket, blocks only on request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Signer, SignerPayloadJSON } from '@polkadot/types/types';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { ChainTxError, createSpace, grantGateway, manifestDigest, NONCE_FILLER_TEXT, submitTx } from '../../src/chain';
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

/** The gateway's key behind a signer whose next signature can be held back, as a slow wallet or HSM would. */
function gatedSigner(pair: KeyringPair) {
  let gate: Promise<void> = Promise.resolve();
  let open = () => undefined as void;
  let signings = 0;
  const signer: Signer = {
    signPayload: async (payload: SignerPayloadJSON) => {
      signings++;
      await gate;
      const raw = t.api.registry.createType('ExtrinsicPayload', payload, { version: payload.version });
      return { id: signings, signature: raw.sign(pair).signature };
    },
  };
  return {
    account: { address: pair.address, signer },
    get signings() {
      return signings;
    },
    hold() {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release: () => open(),
  };
}

const head = (tag: string): PushRecords => ({ owner: keyring.addFromUri('//Alice').address, repo: 'acme', digests: [], head: { image: 'app', tag, digest: `sha256:${tag.repeat(64).slice(0, 64)}`, cid: CID } });

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

test('a push signed while the one before it is removed from the pool is recorded without waiting for another push', async () => {
  const gateway = gatedSigner(keyring.addFromUri('//Gateway'));
  const recorder = new ChainRecorder(t.api, gateway.account, { timeoutMs: 8_000 });
  const nonceBefore = (await t.api.rpc.system.accountNextIndex(gateway.account.address)).toNumber();

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
  assert.equal((await manifestDigest(t.api, { repo: 'acme', image: 'app', tag: 'b' }))?.text, head('b').head!.digest);
  assert.equal(await manifestDigest(t.api, { repo: 'acme', image: 'app', tag: 'a' }), undefined);
  // The removed push's nonce went to a remark that says what it is for.
  assert.equal((await t.api.rpc.system.accountNextIndex(gateway.account.address)).toNumber(), nonceBefore + 2);
  const text = Buffer.from(NONCE_FILLER_TEXT).toString('hex');
  let found = false;
  for (let hash = (await t.api.rpc.chain.getHeader()).hash; !found; ) {
    const { block } = await t.api.rpc.chain.getBlock(hash);
    found = block.extrinsics.some((x) => x.method.section === 'system' && x.method.method === 'remark' && x.toHex().includes(text));
    if (block.header.number.toNumber() === 0) break;
    hash = block.header.parentHash;
  }
  assert.ok(found, 'a nonce filler remark was included');
});

test('after a refused push, the next one takes the unused nonce rather than one past it', async () => {
  const gateway = gatedSigner(keyring.addFromUri('//Gateway'));
  const recorder = new ChainRecorder(t.api, gateway.account, { timeoutMs: 8_000 });
  const first = recorder.record(head('c'));
  first.catch(() => undefined);
  await until(async () => (await pending()).length === 1, 'the push in the pool');
  const [hex] = await pending();
  await send('author_removeExtrinsic', [[{ extrinsic: hex }]]);
  await assert.rejects(first);
  const outcome = await sealUntil(recorder.record(head('d')));
  assert.equal(outcome.status, 'fulfilled', outcome.status === 'rejected' ? String(outcome.reason) : '');
  assert.equal((await manifestDigest(t.api, { repo: 'acme', image: 'app', tag: 'd' }))?.text, head('d').head!.digest);
});
