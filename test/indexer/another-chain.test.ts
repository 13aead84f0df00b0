// A database that holds another chain's blocks is refused with the problem and the fix, and the
// index is left as it was.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startTestChain } from '../helpers/devnet';
import { startProcessor } from '../../src/indexer/processor-process';
import { withDeadline } from '../../src/limits/deadline';
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
