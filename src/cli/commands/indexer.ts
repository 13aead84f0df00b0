// `hcr processor`, `hcr content-index` and `hcr graphql`: the indexer's parts against external
// services (CHAIN_RPC, DB_URL or DB_*, IPFS_API), as a deployment runs them.
import type { Command } from 'commander';
import { dbUrlFromEnv, DEFAULT_GRAPHQL_PORT, redactDbUrl, runMigrations, startContentIndexer, startGraphql, startProcessor, superviseChild } from '../../indexer';
import { contentIndexOptionsFromEnv, DEFAULT_IPFS_API } from '../../content-index/config';
import { DEFAULTS } from '../../config/defaults';
import { DEFAULT_MAX_BATCH_BLOCKS } from '../../processor/batch-coalescing';
import { chainChangeAfterExit } from '../../processor/chain-guard';
import { CliError, EXIT, parseNonNegativeInt } from '../errors';
import { genesisHashOption } from '../genesis-hash-option';
import { printLogLine } from '../log-stream';
import { terminalLines } from '../terminal-text';
import { hideUrlLogins } from '../../observability/url-logins';
import { onShutdown } from '../shutdown';
import { describeCommand } from '../command-summaries';

const defaultChain = () => process.env.CHAIN_RPC ?? `ws://${DEFAULTS.devnetHost}:${DEFAULTS.devnetPort}`;

export function registerIndexer(program: Command): void {
  program
    .command('processor')
    .description(describeCommand('processor'))
    .option('--chain <url>', 'chain RPC (env CHAIN_RPC)', defaultChain())
    .addOption(genesisHashOption())
    .option('--from <block>', 'first block to index (env FROM_BLOCK)')
    .option('--to <block>', 'last block to index, then exit (env TO_BLOCK)')
    .option('--rate-limit <n>', 'RPC requests per second (env RPC_RATE_LIMIT)')
    .option('--max-batch-blocks <n>', `most finalized blocks written in one transaction; 0 for Subsquid's splits of 10 (env PROCESSOR_MAX_BATCH_BLOCKS, default ${DEFAULT_MAX_BATCH_BLOCKS})`)
    .option('--ipfs-api <url>', 'Kubo RPC API the content indexer reads manifests from (env IPFS_API)', ipfsApiDefault())
    .option('--no-content-index', 'index the chain only, without reading manifests from IPFS (run `hcr content-index` elsewhere)')
    .action(async (flags: { chain: string; genesisHash?: string; from?: string; to?: string; rateLimit?: string; maxBatchBlocks?: string; ipfsApi: string; contentIndex: boolean }) => {
      if (flags.contentIndex) checkContentIndexEnv();
      const dbUrl = dbUrlFromEnv();
      await runMigrations(dbUrl);
      const processor = startProcessor({
        chainRpc: flags.chain,
        genesisHash: flags.genesisHash || undefined,
        dbUrl,
        from: flags.from === undefined ? undefined : parseNonNegativeInt(flags.from, '--from'),
        to: flags.to === undefined ? undefined : parseNonNegativeInt(flags.to, '--to'),
        rateLimit: flags.rateLimit === undefined ? undefined : parseNonNegativeInt(flags.rateLimit, '--rate-limit'),
        maxBatchBlocks: flags.maxBatchBlocks === undefined ? undefined : parseNonNegativeInt(flags.maxBatchBlocks, '--max-batch-blocks'),
        log: printLogLine,
      });
      console.log(`processor: ${hideUrlLogins(flags.chain)} → ${redactDbUrl(dbUrl)}`);
      // Its own process: reading IPFS never holds up the processor's batches.
      const content = flags.contentIndex ? superviseChild('content indexer', () => startContentIndexer({ dbUrl, ipfsApi: flags.ipfsApi, log: printLogLine }), { log: printLogLine }) : undefined;
      if (content) console.log(`content index: ${hideUrlLogins(flags.ipfsApi)} → ${redactDbUrl(dbUrl)}`);
      onShutdown(async () => {
        await content?.stop();
        await processor.stop();
      });
      const { code } = await processor.exited;
      await content?.stop();
      if (code !== 0) {
        const changed = await chainChangeAfterExit(dbUrl, flags.chain);
        if (changed) console.error(`processor: the chain changed under it: ${terminalLines(hideUrlLogins(changed))}`);
      }
      process.exit(code ?? 1);
    });

  program
    .command('content-index')
    .description(describeCommand('content-index'))
    .option('--ipfs-api <url>', 'Kubo RPC API to read from (env IPFS_API)', ipfsApiDefault())
    .action(async (flags: { ipfsApi: string }) => {
      checkContentIndexEnv();
      const dbUrl = dbUrlFromEnv();
      const content = startContentIndexer({ dbUrl, ipfsApi: flags.ipfsApi, log: printLogLine });
      console.log(`content index: ${hideUrlLogins(flags.ipfsApi)} → ${redactDbUrl(dbUrl)}`);
      onShutdown(async () => void (await content.stop()));
      const { code } = await content.exited;
      process.exit(code ?? 1);
    });

  program
    .command('graphql')
    .description(describeCommand('graphql'))
    .option('--port <port>', 'GraphQL port (env GQL_PORT)', process.env.GQL_PORT ?? String(DEFAULT_GRAPHQL_PORT))
    .action(async (flags: { port: string }) => {
      const graphql = await startGraphql({ dbUrl: dbUrlFromEnv(), port: parseNonNegativeInt(flags.port, '--port'), log: printLogLine });
      console.log(`GraphQL: ${graphql.url}`);
      onShutdown(() => graphql.stop());
    });
}

const ipfsApiDefault = () => process.env.IPFS_API?.trim() || DEFAULT_IPFS_API;

/**
 * Checks the content indexer's CONTENT_INDEX_* settings (from the environment or the
 * configuration file) before it starts: its process would otherwise fail on them, again and
 * again, each time it is restarted.
 */
export function checkContentIndexEnv(env: NodeJS.ProcessEnv = process.env): void {
  try {
    contentIndexOptionsFromEnv(env);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage);
  }
}
