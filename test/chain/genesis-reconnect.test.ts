// polkadot.js reconnects on its own when a socket drops, and reads the genesis hash only at the
// first connection. A node behind the same URL that then serves another chain (a moved load
// balancer or DNS name) must not be read as this chain: every connection is checked, calls are
// refused naming both chains while it differs, and everything (subscriptions too) comes back
// once the URL serves the chain again. The same holds for a chain started again from the same
// genesis (a dev chain restarted without its data), told by the block it had finalized.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import { ChainConnectionError, chainMismatch, connectChain, shownHash } from '../../src/chain';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';
import { type MovingChainUrl, startMovingChainUrl, until } from '../helpers/moving-chain-url';

const OTHER_GENESIS = `0x${'ab'.repeat(32)}`;

let chain: TestChain;
let url: MovingChainUrl;

before(async () => {
  chain = await startTestChain();
  url = await startMovingChainUrl(chain.devnet.wsUrl, OTHER_GENESIS);
});

after(async () => {
  await url?.close();
  await chain?.close();
});

const newBlock = async (): Promise<number> => {
  await rpcSend(chain.api, 'dev_newBlock', [{ count: 1 }]);
  return (await chain.api.rpc.chain.getHeader()).number.toNumber();
};

test('a node that serves another chain after a reconnect is refused, and taken again once it serves the chain', async (t) => {
  const genesis = chain.api.genesisHash.toHex();
  const notices: (string | undefined)[] = [];
  const api: ApiPromise = await connectChain(url.url, { onChainChange: (refused) => notices.push(refused?.message) });
  t.after(() => api.disconnect());
  const heads: number[] = [];
  const unsubscribe = await api.rpc.chain.subscribeNewHeads((head) => void heads.push(head.number.toNumber()));
  t.after(() => unsubscribe());
  const before = (await api.query.system.number()).toNumber();
  assert.equal(chainMismatch(api), undefined);

  url.move(true);
  await until('the reconnect to be refused', () => chainMismatch(api) !== undefined);
  const mismatch = chainMismatch(api);
  assert.ok(mismatch instanceof ChainConnectionError);
  assert.equal(mismatch.problem, 'wrong-chain');
  assert.equal(
    mismatch.message,
    `the node at ${url.url} now serves another chain: its genesis hash is ${shownHash(OTHER_GENESIS)}, not ${shownHash(genesis)} as when this process connected; nothing is read from it, and the connection is tried again every 2.5 s: point chain.rpc (--chain, CHAIN_RPC) back at a node of the chain this process connected to, or restart to take the new chain`,
  );
  // Storage, RPC calls and the subscription all stay away from the other chain.
  await assert.rejects(api.query.system.number(), (error) => error === mismatch);
  await assert.rejects(api.rpc.chain.getHeader(), (error) => error === mismatch);
  const whileRefused = await newBlock();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  assert.ok(!heads.includes(whileRefused), `block #${whileRefused} reached the subscription while the URL served another chain`);
  assert.ok(chainMismatch(api), 'still refused after a reconnect to the same other chain');

  url.move(false);
  await until('the chain to be taken again', () => chainMismatch(api) === undefined && api.isConnected);
  assert.ok((await api.query.system.number()).toNumber() >= before);
  assert.deepEqual(notices, [mismatch?.message, undefined], 'told once of the refusal (not at every attempt) and once of the chain back');
  const after = await newBlock();
  await until(`block #${after} on the subscription`, () => heads.includes(after));
});

test('a chain started again from the same genesis is refused by the block it had finalized, and a node catching up until it has it', async (t) => {
  const again = await startTestChain();
  t.after(() => again.close());
  await rpcSend(chain.api, 'dev_newBlock', [{ count: 3 }]);
  const api: ApiPromise = await connectChain(url.url);
  t.after(() => api.disconnect());
  assert.equal(again.api.genesisHash.toHex(), chain.api.genesisHash.toHex(), 'the same genesis: only later blocks tell the chains apart');
  const finalized = (await chain.api.rpc.chain.getHeader(await chain.api.rpc.chain.getFinalizedHead())).number.toNumber();
  assert.ok(finalized >= 2, `finalized #${finalized}`);
  const ours = (await chain.api.rpc.chain.getBlockHash(finalized)).toHex();

  // Behind: the new node has no block at that height yet.
  url.moveToNode(again.devnet.wsUrl);
  await until('the node without the block to be refused', () => chainMismatch(api) !== undefined);
  assert.equal(
    chainMismatch(api)?.message,
    `the node at ${url.url} has no block #${finalized}, which its chain had finalized (${shownHash(ours)}) when this process last connected: a node still catching up, or a chain started again; nothing is read from it, and the connection is tried again every 2.5 s: point chain.rpc (--chain, CHAIN_RPC) back at a node of the chain this process connected to, or restart to take the new chain`,
  );
  await assert.rejects(api.query.system.number(), (error) => error instanceof ChainConnectionError && error.problem === 'wrong-chain');

  // Level with it: another block at that height.
  await rpcSend(again.api, 'dev_newBlock', [{ count: finalized + 1 }]);
  const theirs = (await again.api.rpc.chain.getBlockHash(finalized)).toHex();
  assert.notEqual(theirs, ours);
  await until('the other block to be named', () => chainMismatch(api)?.message.includes(`its block #${finalized} is ${shownHash(theirs)}, not ${shownHash(ours)}`) === true);
  assert.match(chainMismatch(api)?.message ?? '', /now serves another chain from the same genesis \(started again, or a fork\)/);
  await assert.rejects(api.query.system.number(), (error) => error instanceof ChainConnectionError && error.problem === 'wrong-chain');

  url.moveToNode(chain.devnet.wsUrl);
  await until('the chain to be taken again', () => chainMismatch(api) === undefined && api.isConnected);
  assert.equal((await api.rpc.chain.getBlockHash(finalized)).toHex(), ours);
});
