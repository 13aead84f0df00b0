// Crash safety: the processor killed with SIGKILL at random points of a long sync (at least ten
// times), restarted each time, ends with an index identical, row by row, to a clean run's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { Client } from 'pg';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { withDeadline } from '../../src/limits/deadline';
import { runMigrations } from '../../src/indexer/migrations';
import { startProcessor } from '../../src/indexer/processor-process';
import { devAccounts } from './helpers/accounts';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { waitFor } from './helpers/wait';
import { danglingReferences } from './helpers/references';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const BLOCKS = 300;
const MIN_KILLS = 10;

let chain: TestChain;
let pg: TestPostgres;
let lastBlock: number;

before(async () => {
  chain = await startTestChain();
  pg = await startTestPostgres();
  lastBlock = await fillChain();
});

after(async () => {
  await pg?.close();
  await chain?.close();
});

/** BLOCKS blocks, each with pushes and digest records from three space owners. */
async function fillChain(): Promise<number> {
  const { api } = chain;
  const a = await devAccounts();
  const owners = [a.alice, a.bob, a.charlie];
  const nonces = owners.map(() => 0);
  const newBlock = async (extrinsics: string[]) => (await api.rpc('dev_newBlock' as never, { parent: (await api.rpc.chain.getHeader()).hash.toHex(), extrinsics } as never)) as unknown as string;
  const sign = async (i: number, tx: SubmittableExtrinsic<'promise'>) => (await tx.signAsync(owners[i], { nonce: nonces[i]++, era: 0 })).toHex();
  await newBlock(await Promise.all(owners.map((_, i) => sign(i, api.tx.containerRegistry.createSpace(`space${i}`)))));
  for (let b = 0; b < BLOCKS; b++) {
    const extrinsics: string[] = [];
    for (let i = 0; i < owners.length; i++) {
      const cr = api.tx.containerRegistry;
      const call = b % 2 === 0
        ? cr.addManifestHeadDigestAndManifestJsonCid(`space${i}`, `image${b % 7}`, `t${b % 5}`, `sha256:${b}-${i}`, `bafy${b}x${i}`)
        : cr.storeDigestInfo(`space${i}`, `sha256:blob${b % 11}`, b % 3 ? 'File' : 'Json', `bafyblob${b}x${i}`);
      extrinsics.push(await sign(i, call));
    }
    await newBlock(extrinsics);
  }
  await api.rpc('dev_newBlock' as never, { count: 2 } as never);
  const finalized = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
  return finalized.number.toNumber();
}

async function query(dbUrl: string, sql: string): Promise<any[]> {
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function dump(dbUrl: string): Promise<Record<string, unknown[]>> {
  const tables = await query(dbUrl, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY table_name");
  const out: Record<string, unknown[]> = {};
  for (const { table_name } of tables) out[table_name] = await query(dbUrl, `SELECT * FROM "${table_name}" ORDER BY id`);
  out.status = await query(dbUrl, 'SELECT height, hash FROM squid_processor.status');
  return out;
}

const indexedHeight = async (dbUrl: string) => (await query(dbUrl, 'SELECT height FROM squid_processor.status WHERE id = 0').catch(() => [{ height: -1 }]))[0]?.height ?? -1;

test(`SIGKILLed at least ${MIN_KILLS} times mid-sync, the processor resumes to an index identical to a clean run's`, async () => {
  const clean = await pg.newDatabase('clean');
  // The clean run handles Subsquid's own batches one by one on the main thread; the others
  // coalesce them, prepare each on the state thread and the next one while the last is written
  // (the defaults): the comparison also shows that both ways give the same index.
  const cleanRun = startProcessor({ chainRpc: chain.devnet.wsUrl, dbUrl: clean, to: lastBlock, maxBatchBlocks: 0, env: { PROCESSOR_STATE_THREAD: 'main' } });
  const cleanExit = await withDeadline(cleanRun.exited, 120_000, 'the clean run did not finish').finally(() => cleanRun.stop());
  assert.equal(cleanExit.code, 0, cleanRun.recentOutput());
  const expected = await dump(clean);
  assert.ok(expected.tag_update.length >= BLOCKS / 2 * 3, 'the clean run indexed the pushes');

  const crashy = await pg.newDatabase('crashy');
  await runMigrations(crashy);
  const heights: number[] = [];
  for (let attempt = 0; heights.length < MIN_KILLS; attempt++) {
    assert.ok(attempt < 40, `only ${heights.length} kills landed mid-sync in 40 attempts`);
    // A low RPC rate limit stretches the sync so that kills land in the middle of it. Every other
    // run is killed at a random moment after it committed something, the others at a random
    // moment of their start-up and first fetches.
    const start = await indexedHeight(crashy);
    const run = startProcessor({ chainRpc: chain.devnet.wsUrl, dbUrl: crashy, to: lastBlock, rateLimit: 20 });
    if (attempt % 2 === 0) await sleep(1_500 + Math.random() * 3_500);
    else await waitFor(async () => (await indexedHeight(crashy)) > start, 'the run to commit a batch', 60_000).then(() => sleep(Math.random() * 1_000));
    run.kill('SIGKILL');
    const exit = await withDeadline(run.exited, 10_000, 'a killed processor did not exit');
    const height = await indexedHeight(crashy);
    if (exit.signal === 'SIGKILL' && height < lastBlock) heights.push(height);
    if (height >= lastBlock) break;
  }
  assert.ok(heights.length >= MIN_KILLS, `killed mid-sync ${heights.length} times, at heights ${heights.join(", ")}`);
  assert.ok(heights.at(-1)! > heights[0], `the index advanced between kills: ${heights.join(', ')}`);

  const finalRun = startProcessor({ chainRpc: chain.devnet.wsUrl, dbUrl: crashy, to: lastBlock });
  const finalExit = await withDeadline(finalRun.exited, 120_000, 'the resumed run did not finish').finally(() => finalRun.stop());
  assert.equal(finalExit.code, 0, finalRun.recentOutput());
  assert.deepEqual(await dump(crashy), expected);
  assert.deepEqual(await danglingReferences(crashy), []);
});
