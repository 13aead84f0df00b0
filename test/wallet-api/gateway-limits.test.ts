// The wallet API a gateway mounts at /api takes what one client may hold open at once from the
// gateway's limits (gateway.limits.walletApi in the configuration file), not only its defaults.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import { signerFromUri } from '../../src/chain';
import { type RunningGateway, startGateway } from '../../src/gateway';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { postJson } from './helpers/http';
import { signedExtrinsic } from './helpers/signing';

let chain: TestChain;
let store: EmbeddedBlobStore;
let gateway: RunningGateway;
let dataDir: string;
let alice: KeyringPair;
let bob: KeyringPair;

before(async () => {
  // Manual sealing: nothing submitted is finalized while the test looks, so it stays in progress.
  chain = await startTestChain({ manualSeal: true });
  [alice, bob] = await Promise.all([signerFromUri('//Alice'), signerFromUri('//Bob')]);
  const gatewayKey = await signerFromUri('//Gateway');
  dataDir = mkdtempSync(join(tmpdir(), 'hcr-wallet-limits-'));
  // The API is mounted beside a page; an empty one does (no build needed).
  const webRoot = join(dataDir, 'web');
  mkdirSync(webRoot);
  writeFileSync(join(webRoot, 'index.html'), '');
  store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
  gateway = await startGateway({
    api: chain.api,
    blobStore: store,
    dataDir,
    gatewaySigner: gatewayKey,
    port: 0,
    webRoot,
    auth: { enabled: false },
    limits: { walletApi: { pendingPerSigner: 1, pending: 2 } },
    log: () => undefined,
  });
});

after(async () => {
  await gateway?.close();
  await store?.close();
  await chain?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function submitGrant(pair: KeyringPair, nonce?: number): Promise<{ status: number; body: any }> {
  const built = await postJson(`${gateway.url}/api/calls/grant-gateway`, { signer: pair.address });
  assert.equal(built.status, 200, JSON.stringify(built.body));
  const payload = nonce === undefined ? built.body.payload : { ...built.body.payload, nonce: chain.api.createType('u32', nonce).toHex() };
  return postJson(`${gateway.url}/api/extrinsics`, { extrinsic: signedExtrinsic(chain.api, pair, payload) });
}

test('gateway.limits.walletApi bounds the transactions one signer and everyone have in progress', { timeout: 60_000 }, async () => {
  const first = await submitGrant(alice);
  assert.equal(first.status, 202, JSON.stringify(first.body));
  // Alice's next nonce is valid; only the bound of one per signer refuses it (the default is 8).
  const second = await submitGrant(alice, 1);
  assert.equal(second.status, 429, JSON.stringify(second.body));
  assert.equal(second.body.error.code, 'RATE_LIMITED');
  assert.match(second.body.error.message, new RegExp(`${alice.address} already has 1 transactions in progress through this gateway`));
  const fromBob = await submitGrant(bob);
  assert.equal(fromBob.status, 202, JSON.stringify(fromBob.body));
  const third = await submitGrant(await signerFromUri('//Charlie'));
  assert.equal(third.status, 429, JSON.stringify(third.body));
  assert.match(third.body.error.message, /this gateway is following 2 transactions, the most it allows at once/);
});
