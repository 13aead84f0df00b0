// `hcr processor` and `hcr graphql`: the indexer's parts against external services
// (CHAIN_RPC, DB_URL or DB_*), as a deployment runs them.
import type { Command } from 'commander';
import { dbUrlFromEnv, DEFAULT_GRAPHQL_PORT, redactDbUrl, runMigrations, startGraphql, startProcessor } from '../../indexer';
import { DEFAULTS } from '../../config/defaults';
import { DEFAULT_MAX_BATCH_BLOCKS } from '../../processor/batch-coalescing';
import { parseNonNegativeInt } from '../errors';
import { onShutdown } from '../shutdown';

const defaultChain = () => process.env.CHAIN_RPC ?? `ws://${DEFAULTS.devnetHost}:${DEFAULTS.devnetPort}`;

export function registerIndexer(program: Command): void {
  program
    .command('processor')
    .description('index the ContainerRegistry pallet into Postgres (DB_URL or DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASS)')
    .option('--chain <url>', 'chain RPC (env CHAIN_RPC)', defaultChain())
    .option('--from <block>', 'first block to index (env FROM_BLOCK)')
    .option('--to <block>', 'last block to index, then exit (env TO_BLOCK)')
    .option('--rate-limit <n>', 'RPC requests per second (env RPC_RATE_LIMIT)')
    .option('--max-batch-blocks <n>', `most finalized blocks written in one transaction; 0 for Subsquid's splits of 10 (env PROCESSOR_MAX_BATCH_BLOCKS, default ${DEFAULT_MAX_BATCH_BLOCKS})`)
    .action(async (flags: { chain: string; from?: string; to?: string; rateLimit?: string; maxBatchBlocks?: string }) => {
      const dbUrl = dbUrlFromEnv();
      await runMigrations(dbUrl);
      const processor = startProcessor({
        chainRpc: flags.chain,
        dbUrl,
        from: flags.from === undefined ? undefined : parseNonNegativeInt(flags.from, '--from'),
        to: flags.to === undefined ? undefined : parseNonNegativeInt(flags.to, '--to'),
        rateLimit: flags.rateLimit === undefined ? undefined : parseNonNegativeInt(flags.rateLimit, '--rate-limit'),
        maxBatchBlocks: flags.maxBatchBlocks === undefined ? undefined : parseNonNegativeInt(flags.maxBatchBlocks, '--max-batch-blocks'),
        log: (line) => console.error(line),
      });
      console.log(`processor: ${flags.chain} → ${redactDbUrl(dbUrl)}`);
      onShutdown(async () => {
        await processor.stop();
      });
      const { code } = await processor.exited;
      process.exit(code ?? 1);
    });

  program
    .command('graphql')
    .description('serve the index as GraphQL (OpenReader, with its console)')
    .option('--port <port>', 'GraphQL port (env GQL_PORT)', process.env.GQL_PORT ?? String(DEFAULT_GRAPHQL_PORT))
    .action(async (flags: { port: string }) => {
      const graphql = await startGraphql({ dbUrl: dbUrlFromEnv(), port: parseNonNegativeInt(flags.port, '--port'), log: (line) => console.error(line) });
      console.log(`GraphQL: ${graphql.url}`);
      onShutdown(() => graphql.stop());
    });
}
