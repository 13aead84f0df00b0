// The indexer's API: Postgres (embedded or external), migrations, the processor, the content
// indexer (manifests read from IPFS, src/content-index), GraphQL, or all of them at once with
// startIndexer.
import path from 'node:path';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { type GraphqlServer, startGraphql } from './graphql-server';
import { runMigrations } from './migrations';
import { startProcessor } from './processor-process';
import { superviseChild, type SupervisedChild } from './supervised-child';
import { waitForProcessorState } from './processor-state';
import { startContentIndexer } from '../content-index/process';

export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
export { runMigrations } from './migrations';
export { waitForProcessorState } from './processor-state';
export { startProcessor, type ProcessorHandle, type StartProcessorOptions } from './processor-process';
export { startGraphql, DEFAULT_GRAPHQL_PORT, type GraphqlServer, type StartGraphqlOptions } from './graphql-server';
export { dbUrlFromEnv, redactDbUrl } from './db-url';
export { assertSameChain, ChainMismatchError } from '../processor/chain-guard';
export { startContentIndexer, type StartContentIndexerOptions } from '../content-index/process';
export { superviseChild, type SupervisedChild } from './supervised-child';

export interface StartIndexerOptions {
  chainRpc: string;
  /** Embedded Postgres keeps its files in `<dataDir>/postgres` unless dbUrl is given. */
  dataDir: string;
  /** An external Postgres database instead of the embedded one. */
  dbUrl?: string;
  /** 4350 by default; 0 picks a free port. */
  graphqlPort?: number;
  from?: number;
  to?: number;
  rateLimit?: number;
  headPollIntervalMs?: number;
  /** The processor's Prometheus port (Subsquid's metrics); absent: a free one. */
  processorMetricsPort?: number;
  /** The Kubo RPC API the content indexer reads manifests from; without it, no content is indexed. */
  ipfsApi?: string;
  log?: (line: string) => void;
  /** Told when the processor or content indexer exits and is started again, even without `log` (default: stderr). */
  notice?: (line: string) => void;
}

export interface Indexer {
  readonly dbUrl: string;
  readonly graphqlUrl: string;
  /** The processor's Prometheus metrics, when it announced them. */
  readonly processorMetricsUrl?: string;
  /** The processor, started again whenever it exits on its own. */
  readonly processor: SupervisedChild;
  /** The content indexer, when started with ipfsApi, started again likewise. */
  readonly content?: SupervisedChild;
  readonly graphql: GraphqlServer;
  /** Stops GraphQL, the content indexer, the processor and the embedded Postgres (if started here). */
  stop(): Promise<void>;
}

export async function startIndexer(options: StartIndexerOptions): Promise<Indexer> {
  let postgres: EmbeddedPostgres | undefined;
  let processor: SupervisedChild | undefined;
  let content: SupervisedChild | undefined;
  const notice = options.notice ?? ((line: string) => console.error(line));
  let graphql: GraphqlServer | undefined;
  const stop = async () => {
    await graphql?.stop();
    await content?.stop();
    await processor?.stop();
    await postgres?.stop();
  };
  try {
    if (!options.dbUrl) postgres = await startEmbeddedPostgres({ dataDir: path.resolve(options.dataDir), log: undefined });
    const dbUrl = options.dbUrl ?? postgres!.dbUrl;
    // Applied here too (the processor also applies them) so GraphQL starts on a complete schema.
    await runMigrations(dbUrl);
    let announceMetrics: (port: number) => void = () => undefined;
    const metricsPort = new Promise<number>((resolve) => (announceMetrics = resolve));
    const log = (line: string) => {
      const served = /prometheus metrics are served at port (\d+)/.exec(line);
      if (served) announceMetrics(Number(served[1]));
      options.log?.(line);
    };
    processor = superviseChild('processor', () => startProcessor({ ...options, dbUrl, prometheusPort: options.processorMetricsPort, log }), { log: notice });
    await waitForProcessorState(dbUrl, processor.current());
    const ipfsApi = options.ipfsApi;
    if (ipfsApi) content = superviseChild('content indexer', () => startContentIndexer({ dbUrl, ipfsApi, log: options.log }), { log: notice });
    // CHAIN_RPC lets GraphQL's /readyz measure how far the index is behind the chain.
    // The embedded stack's GraphQL answers the gateway beside it, which relays everyone's queries
    // with its own per-client limits: as one client it must not be held to one client's share.
    const perClient = process.env.GQL_MAX_CONCURRENT_PER_CLIENT || '0';
    graphql = await startGraphql({ dbUrl, port: options.graphqlPort, log: options.log, env: { CHAIN_RPC: options.chainRpc, GQL_MAX_CONCURRENT_PER_CLIENT: perClient } });
    const port = await Promise.race([metricsPort, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5_000).unref())]);
    const processorMetricsUrl = port === undefined ? undefined : `http://127.0.0.1:${port}/metrics`;
    return { dbUrl, graphqlUrl: graphql.url, processorMetricsUrl, processor, content, graphql, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
