// The processor's settings from the environment (DB_URL / DB_* are read by Subsquid itself).
import { checkGenesisHash } from '../config/values';
import type { ProcessorOptions } from './processor';

export const DEFAULT_CHAIN_RPC = 'ws://127.0.0.1:9944';

export function processorOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ProcessorOptions {
  return {
    chainRpc: env.CHAIN_RPC || DEFAULT_CHAIN_RPC,
    genesisHash: env.CHAIN_GENESIS_HASH?.trim() ? genesisHashFrom(env.CHAIN_GENESIS_HASH) : undefined,
    rateLimit: optionalInt(env, 'RPC_RATE_LIMIT'),
    from: optionalInt(env, 'FROM_BLOCK'),
    to: optionalInt(env, 'TO_BLOCK'),
    headPollIntervalMs: optionalInt(env, 'HEAD_POLL_INTERVAL_MS'),
    prometheusPort: optionalInt(env, 'PROMETHEUS_PORT'),
    maxBatchBlocks: optionalInt(env, 'PROCESSOR_MAX_BATCH_BLOCKS'),
  };
}

function genesisHashFrom(raw: string): string {
  try {
    return checkGenesisHash(raw);
  } catch (error) {
    throw new Error(`CHAIN_GENESIS_HASH: ${(error as Error).message}`);
  }
}

/** A whole number ≥ 0 from the environment, or undefined when unset; anything else is refused. */
export function optionalInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}="${raw}" is not a whole number ≥ 0; fix or unset it.`);
  return value;
}
