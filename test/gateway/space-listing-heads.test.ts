// Who owns a name, without the index, comes from a listing of spaces that must not outlive a reorg
// dropping the block it was read at (space-listing-reorg.test.ts). Asking the node whether that
// block is still on its best chain at every lookup cost a round trip on each pull; the listing now
// follows the node's best heads instead, and asks only when a head does not extend the last one.
// Dev chain over a real WebSocket, blocks only on request; the reader's calls are counted on its
// own connection, which also makes the blocks, so the node announces them before it answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiPromise, WsProvider } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { createSpace, signerFromUri } from '../../src/chain';
import { ChainReader } from '../../src/gateway/resolve/chain-reader';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';

let chain: TestChain;
let api: ApiPromise;
let reader: ChainReader;
let alice: KeyringPair;
let bob: KeyringPair;
let charlie: KeyringPair;
let dave: KeyringPair;
const calls: string[] = [];

before(async () => {
  chain = await startTestChain({ manualSeal: true, finalityLag: 10 });
  [alice, bob, charlie, dave] = await Promise.all(['//Alice', '//Bob', '//Charlie', '//Dave'].map((uri) => signerFromUri(uri)));
  const provider = new WsProvider(chain.devnet.wsUrl);
  const send = provider.send.bind(provider);
  provider.send = ((method: string, ...rest: unknown[]) => {
    calls.push(method);
    return (send as (...args: unknown[]) => Promise<unknown>)(method, ...rest);
  }) as typeof provider.send;
  api = await ApiPromise.create({ provider, noInitWarn: true });
  reader = new ChainReader(api);
});
after(async () => {
  reader?.spaces.close();
  await api?.disconnect();
  await chain?.close();
});

const newBlock = (params: { parent?: string; count?: number; extrinsics?: string[] }) => rpcSend(api, 'dev_newBlock', [params]);
const best = async () => (await api.rpc.chain.getHeader()).hash.toHex();
const hashReads = () => calls.filter((method) => method === 'chain_getBlockHash').length;

/** A signed create_space that is valid on any branch (immortal, so its era names no block). */
async function createSpaceHex(signer: KeyringPair, name: string): Promise<string> {
  const nonce = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
  return (await createSpace(api, name).signAsync(signer, { nonce, era: 0 })).toHex();
}

async function owners(name: string, times: number): Promise<(string | undefined)[]> {
  const seen: (string | undefined)[] = [];
  for (let i = 0; i < times; i++) seen.push((await reader.claim(name))?.owner.owner);
  return seen;
}

test('lookups ask the node nothing about reorgs while its best heads extend the listing\'s block', async () => {
  await newBlock({ extrinsics: [await createSpaceHex(alice, 'acme')] });
  assert.equal((await reader.claim('acme'))?.owner.owner, alice.address);
  calls.length = 0;
  assert.deepEqual(await owners('acme', 20), Array(20).fill(alice.address));
  assert.equal(hashReads(), 0, 'twenty lookups without a new block checked the listing\'s block');

  // Blocks on top of it: each new head's parent is the head before it.
  await newBlock({ count: 3 });
  assert.deepEqual(await owners('acme', 20), Array(20).fill(alice.address));
  assert.equal(hashReads(), 0, 'blocks extending the chain made lookups check the listing\'s block');
});

test('a head on another branch retires the listing: the next lookup asks, and lists again once its block is gone', async () => {
  const base = await best();
  // Branch one: Bob claims the name; the listing is read on it and trusted there.
  await newBlock({ parent: base, extrinsics: [await createSpaceHex(bob, 'newname')] });
  assert.equal((await reader.claim('newname'))?.owner.owner, bob.address);
  calls.length = 0;
  assert.deepEqual(await owners('newname', 5), Array(5).fill(bob.address));
  assert.equal(hashReads(), 0);

  // Branch two, longer, from the same parent: Charlie claims it in a block of the same number, so
  // NextSpaceId is the same on both branches and only the reorg says the listing is stale.
  await newBlock({ parent: base, count: 2, extrinsics: [await createSpaceHex(charlie, 'newname')] });
  const claim = await reader.claim('newname');
  assert.equal(claim?.owner.owner, charlie.address, 'the listing read on the dropped branch was used');
  assert.deepEqual(claim?.shadows, []);
  assert.equal(hashReads(), 1, 'the reorg made one lookup check the listing\'s block');
  assert.deepEqual(await owners('newname', 5), Array(5).fill(charlie.address));
  assert.equal(hashReads(), 1, 'the listing read on the new branch is followed like the first');
});

test('a reorg made while the reader was disconnected retires the listing once it reconnects', async () => {
  assert.equal((await reader.claim('newname'))?.owner.owner, charlie.address);
  // The block before Charlie's (the best head is the one after it).
  const charlies = (await api.rpc.chain.getHeader()).parentHash;
  const base = (await api.rpc.chain.getHeader(charlies)).parentHash.toHex();
  const disconnected = new Promise((resolve) => api.once('disconnected', resolve));
  await api.disconnect();
  await disconnected;
  // While this reader cannot hear of it, another client drops the listing's block and Charlie's:
  // Dave claims the name on a longer branch, in a block of the same number as Charlie's.
  const hex = (await createSpace(chain.api, 'newname').signAsync(dave, { nonce: 0, era: 0 })).toHex();
  await rpcSend(chain.api, 'dev_newBlock', [{ parent: base, count: 3, extrinsics: [hex] }]);
  const connected = new Promise((resolve) => api.once('connected', resolve));
  await api.connect();
  await connected;
  calls.length = 0;
  assert.deepEqual(await owners('newname', 5), Array(5).fill(dave.address));
  assert.equal(hashReads(), 1, 'the first head after reconnecting made one lookup check the listing\'s block, and no more');
});
