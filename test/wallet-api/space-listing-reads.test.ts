// The wallet API answers "is this name taken?" (every create-space build and submission) and "which
// space does this account own?" (GET /api/accounts/{address}) from a listing of spaces read again
// only once a new space exists. Each used to read every space on chain per request, which anyone
// could have the node do hundreds of times a minute. The answers stay current: a new space is
// seen at once, and an owner's members are read fresh.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import { addSpaceMember, createSpace, signerFromUri, submitTx } from '../../src/chain';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { postJson, requestJson } from './helpers/http';
import { countSpaceListings } from '../helpers/space-listings';

let chain: TestChain;
let server: WalletApiServer;
let api: string;
let alice: KeyringPair;
let bob: KeyringPair;
let ferdie: KeyringPair;
/** Listings of every space on chain since the server started. */
let listings: { readonly count: number };

before(async () => {
  chain = await startTestChain();
  [alice, bob, ferdie] = await Promise.all([signerFromUri('//Alice'), signerFromUri('//Bob'), signerFromUri('//Ferdie')]);
  await submitTx(chain.api, createSpace(chain.api, 'acme'), alice);
  listings = countSpaceListings(chain.api);
  server = await startWalletApiServer({ api: chain.api, port: 0, page: false, gatewayAddress: (await signerFromUri('//Gateway')).address, log: () => undefined });
  api = `${server.url}/api`;
});

after(async () => {
  await server?.close();
  await chain?.close();
});

const buildCreate = (name: string) => postJson(`${api}/calls/create-space`, { signer: ferdie.address, name });

test('taken names and owners\' spaces come from one listing until a new space exists, and stay current', async () => {
  for (let i = 0; i < 10; i++) {
    const taken = await buildCreate('acme');
    assert.equal(taken.status, 409, JSON.stringify(taken.body));
    const account = await requestJson(`${api}/accounts/${alice.address}`);
    assert.equal(account.body.space?.name, 'acme');
  }
  assert.equal(listings.count, 1, 'twenty requests read every space once');

  // A member added (no new space): the owner's space is read fresh, without listing again.
  await submitTx(chain.api, addSpaceMember(chain.api, (await requestJson(`${api}/accounts/${alice.address}`)).body.space.id, ferdie.address), alice);
  assert.ok((await requestJson(`${api}/accounts/${alice.address}`)).body.space.members.includes(ferdie.address));
  assert.equal(listings.count, 1);

  // A new space: seen at once by both questions, with one listing more.
  await submitTx(chain.api, createSpace(chain.api, 'bobs'), bob);
  assert.equal((await buildCreate('bobs')).status, 409);
  assert.equal((await requestJson(`${api}/accounts/${bob.address}`)).body.space?.name, 'bobs');
  assert.equal((await buildCreate('free-name')).status, 200);
  assert.equal((await requestJson(`${api}/accounts/${ferdie.address}`)).body.space, null);
  assert.equal(listings.count, 2);
});
