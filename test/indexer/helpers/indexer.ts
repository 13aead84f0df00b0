// The processor and GraphQL server for a test, on a given database, with their output kept for
// failure messages and both stopped by close(); with `ipfsApi`, the content indexer beside them.
import { startGraphql, type GraphqlServer } from '../../../src/indexer/graphql-server';
import { runMigrations } from '../../../src/indexer/migrations';
import { waitForProcessorState } from '../../../src/indexer/processor-state';
import { startProcessor, type ProcessorHandle, type StartProcessorOptions } from '../../../src/indexer/processor-process';
import type { ManagedChild } from '../../../src/indexer/child-process';
import { startContentIndexer } from '../../../src/content-index/process';
import { gql } from './graphql';
import { waitFor } from './wait';

export interface TestIndexer {
  processor: ProcessorHandle;
  graphql: GraphqlServer;
  /** The content indexer, when started with `ipfsApi`. */
  content?: ManagedChild;
  query<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Waits until the index's head (hot blocks included) is this block hash. */
  waitForHead(hash: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Quick retries, so that tests of the content indexer need not wait long. */
export const FAST_CONTENT_INDEX_ENV = { CONTENT_INDEX_POLL_MS: '200', CONTENT_INDEX_IPFS_RETRY_MS: '500', CONTENT_INDEX_RETRY_MIN_MS: '300', CONTENT_INDEX_RETRY_MAX_MS: '2000' };

export interface TestIndexerOptions extends Omit<StartProcessorOptions, 'headPollIntervalMs'> {
  /** Starts the content indexer beside them, reading this Kubo RPC API. */
  readonly ipfsApi?: string;
  /** Extra environment for the GraphQL server, e.g. { GQL_MAX_INDEX_LAG_BLOCKS: '3' }. */
  readonly graphqlEnv?: Record<string, string>;
}

export async function startTestIndexer(options: TestIndexerOptions): Promise<TestIndexer> {
  await runMigrations(options.dbUrl);
  const log = process.env.HCR_TEST_LOG ? console.log : undefined;
  const processor = startProcessor({ headPollIntervalMs: 200, ...options, log });
  await waitForProcessorState(options.dbUrl, processor);
  const content = options.ipfsApi ? startContentIndexer({ dbUrl: options.dbUrl, ipfsApi: options.ipfsApi, env: FAST_CONTENT_INDEX_ENV, log }) : undefined;
  const graphql = await startGraphql({ dbUrl: options.dbUrl, port: 0, env: options.graphqlEnv });
  const query = <T>(q: string, v?: Record<string, unknown>) => gql<T>(graphql.url, q, v);
  return {
    processor,
    graphql,
    content,
    query,
    async waitForHead(hash, timeoutMs = 30_000) {
      const exited = processor.exited.then((exit) => {
        throw new Error(`the processor exited (${JSON.stringify(exit)}):\n${processor.recentOutput()}`);
      });
      exited.catch(() => undefined);
      const reached = waitFor(async () => {
        const { squidStatus } = await query<{ squidStatus: { hash: string } }>('{ squidStatus { hash } }');
        return squidStatus.hash === hash;
      }, `the index to reach block ${hash}`, timeoutMs);
      await Promise.race([reached, exited]).catch((error: Error) => {
        throw new Error(`${error.message}\n--- processor output ---\n${processor.recentOutput()}`);
      });
    },
    async close() {
      await graphql.stop();
      await content?.stop();
      await processor.stop();
    },
  };
}
