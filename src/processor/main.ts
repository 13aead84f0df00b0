// `hcr processor` / `npm run processor`: applies migrations, checks the database belongs to this
// chain (and records the chain's genesis hash in it), then indexes. Settings come from the
// environment (see config.ts and DB_URL / DB_*).
import '../indexer/register-ts-sources';
import { exitWithParent } from '../indexer/exit-with-parent';
import { TypeormDatabase } from '@subsquid/typeorm-store';
import { dbUrlFromEnv } from '../indexer/db-url';
import { runMigrations } from '../indexer/migrations';
import { PROJECT_ROOT } from '../indexer/project-paths';
import { assertPinnedChain, assertSameChain, recordIndexedGenesis } from './chain-guard';
import { processorOptionsFromEnv } from './config';
import { BatchLookahead } from './batch-coalescing';
import { createBatchHandler } from './handler';
import { handleBatchNoop, handlerKindFromEnv } from './noop-handler';
import { createProcessor } from './processor';

async function main(): Promise<void> {
  const options = processorOptionsFromEnv();
  const lookahead = new BatchLookahead();
  const handler = handlerKindFromEnv() === 'noop' ? handleBatchNoop : createBatchHandler(lookahead);
  const dbUrl = dbUrlFromEnv();
  // Subsquid's store reads the same variables; make it read exactly this URL.
  process.env.DB_URL = dbUrl;
  if (options.genesisHash) await assertPinnedChain(options.chainRpc, options.genesisHash);
  await runMigrations(dbUrl);
  await assertSameChain(dbUrl, options.chainRpc);
  await recordIndexedGenesis(dbUrl, options.chainRpc);
  const database = new TypeormDatabase({ supportHotBlocks: true, projectDir: PROJECT_ROOT });
  createProcessor(options, lookahead).run(database, handler);
}

exitWithParent();
main().catch((error: Error) => {
  console.error(`processor: ${error.message}`);
  process.exit(1);
});
