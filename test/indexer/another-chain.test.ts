// A database that holds another chain's blocks, or was built from a chain with another genesis, is
// refused with the problem and the fix, and the index is left as it was; and `hcr processor`, stopped by the chain changing under it (its URL
// moved to a dev chain started again), says so rather than only Subsquid's internal assertion.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { rpcSend, startTestChain } from '../helpers/devnet';
import { startProcessor } from '../../src/indexer/processor-process';
import { withDeadline } from '../../src/limits/deadline';
import { Client } from 'pg';
import { collect, spawnHcr } from '../cli/helpers/run-hcr';
import { startMovingChainUrl } from '../helpers/moving-chain-url';
import { devAccounts } from './helpers/accounts';
import { startTestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { submit } from './helpers/submit';

let pg: TestPostgres | undefined;
after(() => pg?.close());

test('the processor refuses a database built from another chain, saying how to fix it', async () => {
  const a = await devAccounts();
  pg = await startTestPostgres();
  const dbUrl = await pg.newDatabase('other');

  // Chain A: indexed.
  const first = await startTestChain();
  try {
    await submit(first.api.tx.containerRegistry.createSpace('first'), a.alice, { finalized: true });
    const indexer = await startTestIndexer({ chainRpc: first.devnet.wsUrl, dbUrl });
    await indexer.waitForHead((await first.api.rpc.chain.getHeader()).hash.toHex());
    await indexer.close();
  } finally {
    await first.close();
  }

  // Chain B: a fresh dev chain, same genesis, different blocks.
  const second = await startTestChain();
  try {
    await submit(second.api.tx.containerRegistry.createSpace('second'), a.bob);
    await submit(second.api.tx.containerRegistry.createSpace('third'), a.charlie, { finalized: true });
    const processor = startProcessor({ chainRpc: second.devnet.wsUrl, dbUrl });
    const exit = await withDeadline(processor.exited, 60_000, 'the processor did not stop').finally(() => processor.stop());
    assert.equal(exit.code, 1);
    const output = processor.recentOutput();
    assert.match(output, /The index database holds another chain: it indexed block #\d+ as 0x[0-9a-f]{64}, but the chain at ws:\/\/127\.0\.0\.1:\d+ has (0x[0-9a-f]{64}|no block) at that height/);
    assert.match(output, /Point DB_URL at an empty database for this chain/);
  } finally {
    await second.close();
  }
});

test('the processor records the genesis hash of its chain in the index, and refuses a database built from a chain with another genesis', async (t) => {
  const a = await devAccounts();
  pg ??= await startTestPostgres();
  const dbUrl = await pg.newDatabase('genesis');
  const chain = await startTestChain();
  const otherGenesis = `0x${'cd'.repeat(32)}`;
  const url = await startMovingChainUrl(chain.devnet.wsUrl, otherGenesis);
  t.after(async () => {
    await url.close();
    await chain.close();
  });
  const recorded = async () => {
    const client = new Client({ connectionString: dbUrl });
    await client.connect();
    try {
      return (await client.query<{ id: string; genesis_hash: string }>('SELECT id, genesis_hash FROM indexed_chain')).rows;
    } finally {
      await client.end();
    }
  };
  await submit(chain.api.tx.containerRegistry.createSpace('first'), a.alice, { finalized: true });
  const indexer = await startTestIndexer({ chainRpc: url.url, dbUrl });
  try {
    await indexer.waitForHead((await chain.api.rpc.chain.getHeader()).hash.toHex());
    const genesis = chain.api.genesisHash.toHex();
    assert.deepEqual(await recorded(), [{ id: '0', genesis_hash: genesis }]);
    // As the gateway reads it.
    const answer = await indexer.query<{ indexedChainById: { genesisHash: string } | null }>('{ indexedChainById(id: "0") { genesisHash } }');
    assert.equal(answer.indexedChainById?.genesisHash, genesis);
  } finally {
    await indexer.close();
  }

  // The same URL now serves a chain with another genesis whose blocks, at the heights the index
  // holds, are the same: only the genesis tells them apart.
  url.move(true);
  const processor = startProcessor({ chainRpc: url.url, dbUrl });
  const exit = await withDeadline(processor.exited, 60_000, 'the processor did not stop').finally(() => processor.stop());
  assert.equal(exit.code, 1);
  const output = processor.recentOutput();
  assert.ok(
    output.includes(`The index database holds another chain: it was built from the chain whose genesis hash is ${chain.api.genesisHash.toHex()}, but the chain at ${url.url} has the genesis hash ${otherGenesis}`),
    output,
  );
  assert.match(output, /Point DB_URL at an empty database for this chain, or point CHAIN_RPC at the chain this index was built from; nothing was indexed/);
  assert.deepEqual(await recorded(), [{ id: '0', genesis_hash: chain.api.genesisHash.toHex() }], 'the recorded genesis changed');
});

test('hcr processor stopped by the chain changing under it says so, with the fix', async (t) => {
  const a = await devAccounts();
  pg ??= await startTestPostgres();
  const dbUrl = await pg.newDatabase('moved');
  const [first, again] = await Promise.all([startTestChain(), startTestChain()]);
  const url = await startMovingChainUrl(first.devnet.wsUrl, `0x${'ab'.repeat(32)}`);
  t.after(async () => {
    await url.close();
    await first.close();
    await again.close();
  });
  await submit(first.api.tx.containerRegistry.createSpace('first'), a.alice, { finalized: true });
  const env: NodeJS.ProcessEnv = { ...process.env, DB_URL: dbUrl, HEAD_POLL_INTERVAL_MS: '200' };
  for (const name of ['HCR_CONFIG', 'CHAIN_RPC', 'CHAIN_GENESIS_HASH']) delete env[name];
  const child = spawnHcr(['processor', '--chain', url.url, '--no-content-index'], env);
  const run = collect(child, 'processor');
  const indexed = async () => {
    const client = new Client({ connectionString: dbUrl });
    try {
      await client.connect();
      return (await client.query<{ height: number }>('SELECT height FROM squid_processor.status WHERE id = 0')).rows[0]?.height ?? -1;
    } catch {
      return -1;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const deadline = Date.now() + 60_000;
  while ((await indexed()) < 1) {
    assert.ok(Date.now() < deadline && child.exitCode === null, 'the processor did not index the first chain');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await rpcSend(again.api, 'dev_newBlock', [{ count: 10 }]);
  url.moveToNode(again.devnet.wsUrl);
  const { code, stderr } = await run;
  assert.equal(code, 1, stderr);
  assert.match(stderr, /processor: the chain changed under it: The index database holds another chain: it indexed block #\d+ as 0x[0-9a-f]{64}, but the chain at ws:\/\/127\.0\.0\.1:\d+ has 0x[0-9a-f]{64} at that height\. Point DB_URL at an empty database for this chain/);
});

test("hcr processor never prints the login of its chain's URL: not at its start, nor in its child's lines when the chain cannot be reached", async () => {
  pg ??= await startTestPostgres();
  const dbUrl = await pg.newDatabase('url_login');
  const env: NodeJS.ProcessEnv = { ...process.env, DB_URL: dbUrl };
  for (const name of ['HCR_CONFIG', 'CHAIN_RPC', 'CHAIN_GENESIS_HASH']) delete env[name];
  // A node with an API key in its URL, down: the processor names the URL it could not reach.
  const { code, stdout, stderr } = await collect(spawnHcr(['processor', '--chain', 'ws://rpcuser:S3CRET-API-KEY@127.0.0.1:1', '--no-content-index'], env), 'processor');
  assert.notEqual(code, 0);
  assert.match(stdout, /^processor: ws:\/\/rpcuser:\*\*\*@127\.0\.0\.1:1 → /m);
  assert.match(stderr, /ws:\/\/rpcuser:\*\*\*@127\.0\.0\.1:1/, 'the child\'s line naming the URL');
  assert.doesNotMatch(stdout + stderr, /S3CRET/);
});
