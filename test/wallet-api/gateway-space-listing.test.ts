// A gateway that mounts the wallet API asks who owns a name on its pulls (without the index) and
// on the API's requests (taken names, an account's space). Both ask the gateway's one listing of
// spaces: with a listing each, every new space made the process read every space on chain twice
// and hold them twice. Real dev chain and gateway; listings are counted as the chain reads them.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import { createSpace, signerFromUri, submitTx } from '../../src/chain';
import { type RunningGateway, startGateway } from '../../src/gateway';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { postJson, requestJson } from './helpers/http';
import { countSpaceListings } from '../helpers/space-listings';

let chain: TestChain;
let store: EmbeddedBlobStore;
let gateway: RunningGateway;
let dataDir: string;
let alice: KeyringPair;
let bob: KeyringPair;
let ferdie: KeyringPair;
/** Listings of every space on chain since the gateway started. */
let listings: { readonly count: number };

before(async () => {
  chain = await startTestChain();
  [alice, bob, ferdie] = await Promise.all(['//Alice', '//Bob', '//Ferdie'].map((uri) => signerFromUri(uri)));
  await submitTx(chain.api, createSpace(chain.api, 'acme'), alice);
  listings = countSpaceListings(chain.api);
  dataDir = mkdtempSync(join(tmpdir(), 'hcr-gateway-space-listing-'));
  // The API is mounted beside a page; an empty one does (no build needed).
  const webRoot = join(dataDir, 'web');
  mkdirSync(webRoot);
  writeFileSync(join(webRoot, 'index.html'), '');
  store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
  gateway = await startGateway({ api: chain.api, blobStore: store, dataDir, gatewaySigner: await signerFromUri('//Gateway'), port: 0, webRoot, auth: { enabled: false }, log: () => undefined });
});

after(async () => {
  await gateway?.close();
  await store?.close();
  await chain?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A pull resolving the name from chain state (the gateway has no index): it has no such tag. */
async function pull(repo: string): Promise<void> {
  const response = await fetch(`${gateway.url}/v2/${repo}/app/manifests/latest`);
  assert.equal(response.status, 404, await response.text());
}

test('the wallet API a gateway mounts asks the gateway\'s listing of spaces: a new space is listed once, not twice', async () => {
  await pull('acme');
  assert.equal((await requestJson(`${gateway.url}/api/accounts/${alice.address}`)).body.space?.name, 'acme');
  assert.equal((await postJson(`${gateway.url}/api/calls/create-space`, { signer: ferdie.address, name: 'acme' })).status, 409);
  assert.equal(listings.count, 1, 'the pull and the wallet API each listed the spaces');

  await submitTx(chain.api, createSpace(chain.api, 'bobs'), bob);
  assert.equal((await requestJson(`${gateway.url}/api/accounts/${bob.address}`)).body.space?.name, 'bobs');
  await pull('bobs');
  assert.equal((await postJson(`${gateway.url}/api/calls/create-space`, { signer: ferdie.address, name: 'bobs' })).status, 409);
  assert.equal(listings.count, 2, 'a new space was listed by the pull and by the wallet API');
});
