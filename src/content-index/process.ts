// Runs the content indexer (main.ts) as a child process next to the processor, as `hcr dev`,
// `hcr processor` and the tests do.
import path from 'node:path';
import { type ManagedChild, startChild } from '../indexer/child-process';
import { PROJECT_ROOT } from '../indexer/project-paths';
import { TYPESCRIPT_NODE_ARGS } from '../config/typescript-runner';

export interface StartContentIndexerOptions {
  dbUrl: string;
  /** The Kubo RPC API to read from (IPFS_API). */
  ipfsApi: string;
  log?: (line: string) => void;
  /** Extra environment, e.g. { CONTENT_INDEX_POLL_MS: '200' }. */
  env?: NodeJS.ProcessEnv;
}

export function startContentIndexer(options: StartContentIndexerOptions): ManagedChild {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, DB_URL: options.dbUrl, IPFS_API: options.ipfsApi };
  const main = path.join(PROJECT_ROOT, 'src', 'content-index', 'main.ts');
  return startChild('content-index', [...TYPESCRIPT_NODE_ARGS, main], { cwd: PROJECT_ROOT, env, log: options.log });
}
