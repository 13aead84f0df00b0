// The processor and GraphQL server for a test, on a given database, with their output kept for
// failure messages and both stopped by close().
import { startGraphql, type GraphqlServer } from '../../../src/indexer/graphql-server';
import { runMigrations } from '../../../src/indexer/migrations';
import { waitForProcessorState } from '../../../src/indexer/processor-state';
import { startProcessor, type ProcessorHandle, type StartProcessorOptions } from '../../../src/indexer/processor-process';
import { gql } from './graphql';
import { waitFor } from './wait';

export interface TestIndexer {
  processor: ProcessorHandle;
  graphql: GraphqlServer;
  query<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Waits until the index's head (hot blocks included) is this block hash. */
  waitForHead(hash: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestIndexer(options: Omit<StartProcessorOptions, 'headPollIntervalMs'>): Promise<TestIndexer> {
  await runMigrations(options.dbUrl);
  const processor = startProcessor({ headPollIntervalMs: 200, ...options, log: process.env.HCR_TEST_LOG ? console.log : undefined });
  await waitForProcessorState(options.dbUrl, processor);
  const graphql = await startGraphql({ dbUrl: options.dbUrl, port: 0 });
  const query = <T>(q: string, v?: Record<string, unknown>) => gql<T>(graphql.url, q, v);
  return {
    processor,
    graphql,
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
      await processor.stop();
    },
  };
}
