// The content indexer's settings from the environment (DB_URL / DB_* name the database as for
// the processor).
import { optionalInt } from '../processor/config';

export const DEFAULT_IPFS_API = 'http://127.0.0.1:5001';

export interface ContentIndexOptions {
  /** The Kubo RPC API the bytes are read from (IPFS_API): Kubo, or the embedded store's server. */
  ipfsApi: string;
  /** Reads at once (CONTENT_INDEX_CONCURRENCY). */
  concurrency: number;
  /** Due contents taken per pass. */
  batchSize: number;
  /** Pause between passes with nothing due (CONTENT_INDEX_POLL_MS). */
  pollMs: number;
  /** The first retry of content that could not be read; doubled each time up to retryMaxMs. */
  retryMinMs: number;
  retryMaxMs: number;
  /** How often IPFS is asked again while it does not answer (CONTENT_INDEX_IPFS_RETRY_MS). */
  ipfsRetryMs: number;
  /** How long Kubo may look for a CID it does not hold (CONTENT_INDEX_LOOKUP_TIMEOUT_MS). */
  lookupTimeoutMs: number;
  /** One read, lookup and transfer. */
  readTimeoutMs: number;
  /** Bytes above this are no manifest (the gateway's limit). */
  maxManifestBytes: number;
}

export function contentIndexOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ContentIndexOptions {
  const concurrency = optionalInt(env, 'CONTENT_INDEX_CONCURRENCY') ?? 4;
  if (concurrency < 1) throw new Error(`CONTENT_INDEX_CONCURRENCY="${env.CONTENT_INDEX_CONCURRENCY}" reads nothing: give at least 1 (manifests read at once, default 4), or unset it.`);
  const lookupTimeoutMs = optionalInt(env, 'CONTENT_INDEX_LOOKUP_TIMEOUT_MS') ?? 10_000;
  return {
    ipfsApi: (env.IPFS_API ?? '').trim() || DEFAULT_IPFS_API,
    concurrency,
    batchSize: concurrency * 8,
    pollMs: optionalInt(env, 'CONTENT_INDEX_POLL_MS') ?? 1_000,
    retryMinMs: optionalInt(env, 'CONTENT_INDEX_RETRY_MIN_MS') ?? 2_000,
    retryMaxMs: optionalInt(env, 'CONTENT_INDEX_RETRY_MAX_MS') ?? 600_000,
    ipfsRetryMs: optionalInt(env, 'CONTENT_INDEX_IPFS_RETRY_MS') ?? 3_000,
    lookupTimeoutMs,
    readTimeoutMs: lookupTimeoutMs + 50_000,
    maxManifestBytes: 4 * 1024 * 1024,
  };
}
