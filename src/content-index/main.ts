// `hcr content-index` (and the child `hcr dev` and `hcr processor` start): reads the manifests
// the chain index holds from IPFS into the index's content tables until stopped. It waits for
// the migrations rather than applying them, so that it can start beside the processor.
import '../indexer/register-ts-sources';
import { exitWithParent } from '../indexer/exit-with-parent';
import { Pool } from 'pg';
import { dbUrlFromEnv, redactDbUrl } from '../indexer/db-url';
import { KuboBlobStore } from '../ipfs';
import { contentIndexOptionsFromEnv } from './config';
import { ContentIndexer } from './content-indexer';

async function main(): Promise<void> {
  const options = contentIndexOptionsFromEnv();
  const dbUrl = dbUrlFromEnv();
  const pool = new Pool({ connectionString: dbUrl, max: options.concurrency + 2 });
  pool.on('error', () => undefined);
  const store = await KuboBlobStore.open({ url: options.ipfsApi, lookupTimeoutMs: options.lookupTimeoutMs });
  const log = (line: string) => console.log(`content-index: ${line}`);
  const indexer = new ContentIndexer({ pool, store, options, log });
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      indexer.stop();
    });
  }
  log(`reading manifests from IPFS at ${options.ipfsApi} into ${redactDbUrl(dbUrl)} (${options.concurrency} at a time)`);
  await indexer.run();
  await store.close();
  await pool.end();
}

exitWithParent();
main().then(() => process.exit(0), (error: Error) => {
  console.error(`content-index: ${error.message}`);
  process.exit(1);
});
