// The embedded stack (`hcr dev`) starts its processor again when it exits on its own: a processor
// that stopped (a fatal database error, a crash) left the index where it was while GraphQL went on
// answering from it. And a child that keeps failing at once is started again ever less often.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startIndexer, type Indexer } from '../../src/indexer';
import { startChild } from '../../src/indexer/child-process';
import { superviseChild } from '../../src/indexer/supervised-child';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { devAccounts } from './helpers/accounts';
import { gql } from './helpers/graphql';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { submit } from './helpers/submit';
import { waitFor } from './helpers/wait';

let chain: TestChain | undefined;
let pg: TestPostgres | undefined;
let indexer: Indexer | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'hcr-supervised-'));

after(async () => {
  await indexer?.stop();
  await pg?.close();
  await chain?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a processor that dies is started again, and the index goes on following the chain', { timeout: 120_000 }, async () => {
  const a = await devAccounts();
  chain = await startTestChain({ finalityLag: 0 });
  pg = await startTestPostgres();
  const notices: string[] = [];
  indexer = await startIndexer({ chainRpc: chain.devnet.wsUrl, dataDir, dbUrl: await pg.newDatabase('supervised'), graphqlPort: 0, headPollIntervalMs: 200, notice: (line) => notices.push(line) });
  const first = indexer.processor.current();
  first.kill('SIGKILL');
  await first.exited;

  await submit(chain.api.tx.containerRegistry.createSpace('after-the-crash'), a.alice, { finalized: true });
  const graphqlUrl = indexer.graphqlUrl;
  await waitFor(async () => {
    const { spaces } = await gql<{ spaces: { name: string }[] }>(graphqlUrl, '{ spaces(where: { name_eq: "after-the-crash" }) { name } }');
    return spaces.length === 1;
  }, 'the space created after the crash to be indexed', 60_000);
  assert.equal(indexer.processor.restarts, 1);
  assert.notEqual(indexer.processor.current().pid, first.pid);
  assert.match(notices.join('\n'), /^processor exited \(signal SIGKILL\).*; starting it again in 5 s$/m);
});

test('a child that keeps failing at once is started again after longer and longer pauses, and never after stop()', { timeout: 30_000 }, async () => {
  const lines: string[] = [];
  const failing = superviseChild('failing', () => startChild('failing', ['-e', 'console.error("no such setting"); process.exit(3)'], { cwd: process.cwd(), env: process.env }), { log: (line) => lines.push(line), pauseMs: 50, maxPauseMs: 200 });
  await waitFor(async () => failing.restarts >= 4, 'four restarts', 20_000);
  await failing.stop();
  const stoppedAt = failing.restarts;
  assert.deepEqual(lines.slice(0, 4).map((line) => /in (\d+ ms)$/.exec(line)?.[1]), ['50 ms', '100 ms', '200 ms', '200 ms']);
  assert.match(lines[0], /^failing exited \(code 3\): no such setting; starting it again in 50 ms$/);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(failing.restarts, stoppedAt, 'started again after stop()');
});
