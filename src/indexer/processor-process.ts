// Runs the processor (src/processor/main.ts) as a child process: Subsquid's runner owns its
// process (it exits on fatal errors and when done), and a child can be stopped or killed.
import path from 'node:path';
import type { ProcessorOptions } from '../processor/processor';
import { type ManagedChild, startChild } from './child-process';
import { PROJECT_ROOT } from './project-paths';
import { TYPESCRIPT_NODE_ARGS } from '../config/typescript-runner';

export interface StartProcessorOptions extends ProcessorOptions {
  dbUrl: string;
  log?: (line: string) => void;
  /** Extra environment for the child (e.g. SQD_DEBUG). */
  env?: NodeJS.ProcessEnv;
}

export type ProcessorHandle = ManagedChild;

/** V8's young-generation semi-space for the processor (MB); the default is 16. */
export const PROCESSOR_SEMI_SPACE_MB = 64;

export function startProcessor(options: StartProcessorOptions): ProcessorHandle {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, DB_URL: options.dbUrl, CHAIN_RPC: options.chainRpc };
  const settings: [string, number | undefined][] = [
    ['RPC_RATE_LIMIT', options.rateLimit],
    ['FROM_BLOCK', options.from],
    ['TO_BLOCK', options.to],
    ['HEAD_POLL_INTERVAL_MS', options.headPollIntervalMs],
    ['PROMETHEUS_PORT', options.prometheusPort],
    ['PROCESSOR_MAX_BATCH_BLOCKS', options.maxBatchBlocks],
  ];
  for (const [name, value] of settings) {
    if (value === undefined) delete env[name];
    else env[name] = String(value);
  }
  if (options.genesisHash !== undefined) env.CHAIN_GENESIS_HASH = options.genesisHash;
  const main = path.join(PROJECT_ROOT, 'src', 'processor', 'main.ts');
  // A larger young generation lets a batch's short-lived objects die young instead of being
  // copied into the old generation: 32 MB instead of 16 took about a tenth off the sync time in
  // npm run bench:indexer, and 64 another 8% off the real handler's time (not the no-op's) for
  // about 30 MB more peak memory; 128 gained nothing more. squid.yaml, docker-compose.yml and
  // the processor script in package.json pass the same flag.
  return startChild('processor', [`--max-semi-space-size=${PROCESSOR_SEMI_SPACE_MB}`, ...TYPESCRIPT_NODE_ARGS, main], { cwd: PROJECT_ROOT, env, log: options.log });
}
