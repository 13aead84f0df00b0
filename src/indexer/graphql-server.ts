// Runs Subsquid's GraphQL server (OpenReader over schema.graphql) as a child process: it takes
// its database and port from the environment, like `squid-graphql-server` does.
import { type ManagedChild, startChild } from './child-process';
import { withTimeout } from './chain-rpc';
import { PROJECT_ROOT } from './project-paths';

export const DEFAULT_GRAPHQL_PORT = 4350;

export interface StartGraphqlOptions {
  dbUrl: string;
  /** 4350 by default; 0 picks a free port. */
  port?: number;
  /** Extra `squid-graphql-server` flags, e.g. ['--max-root-fields', '10']. */
  args?: string[];
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface GraphqlServer {
  /** The endpoint, e.g. http://127.0.0.1:4350/graphql (GET opens the console). */
  readonly url: string;
  readonly port: number;
  readonly process: ManagedChild;
  stop(): Promise<void>;
}

export async function startGraphql(options: StartGraphqlOptions): Promise<GraphqlServer> {
  const port = options.port === 0 ? await (await import('./free-port')).freePort() : options.port ?? DEFAULT_GRAPHQL_PORT;
  const bin = require.resolve('@subsquid/graphql-server/bin/run.js');
  const child = startChild('graphql', [bin, ...(options.args ?? [])], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DB_URL: options.dbUrl, GQL_PORT: String(port) },
    log: options.log,
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  try {
    await withTimeout(Promise.race([waitUntilAnswering(url), child.exited.then(() => Promise.reject(new Error('it exited')))]), timeoutMs, `it did not answer within ${timeoutMs / 1000} s`);
  } catch (error) {
    await child.stop();
    throw new Error(`The GraphQL server on port ${port} did not start (${(error as Error).message}). Its last output:\n${child.recentOutput()}\nIf the port is taken, choose another (GQL_PORT / --graphql-port).`);
  }
  return { url, port, process: child, stop: async () => void (await child.stop()) };
}

async function waitUntilAnswering(url: string): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
