// Runs Subsquid's GraphQL server (OpenReader over schema.graphql) as a child process: it takes
// its database and port from the environment, like `squid-graphql-server` does.
import path from 'node:path';
import { type ManagedChild, startChild } from './child-process';
import { withDeadline } from '../limits/deadline';
import { PROJECT_ROOT } from './project-paths';
import { TYPESCRIPT_NODE_ARGS } from '../config/typescript-runner';

export const DEFAULT_GRAPHQL_PORT = 4350;

export interface StartGraphqlOptions {
  dbUrl: string;
  /** 4350 by default; 0 picks a free port. */
  port?: number;
  /** Extra `squid-graphql-server` flags, e.g. ['--max-root-fields', '10']. */
  args?: string[];
  /** Extra environment, e.g. { GQL_RESPONSE_CACHE: 'off' }. */
  env?: NodeJS.ProcessEnv;
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
  const requested = options.port ?? DEFAULT_GRAPHQL_PORT;
  // With port 0 the server binds a free port itself and announces it: picking a free port here
  // and handing it over would race with any other process taking it first.
  let announce: (port: number) => void = () => undefined;
  const announced = new Promise<number>((resolve) => (announce = resolve));
  const main = path.join(PROJECT_ROOT, 'src', 'indexer', 'graphql-main.ts');
  const child = startChild('graphql', [...TYPESCRIPT_NODE_ARGS, main, ...(options.args ?? [])], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...options.env, DB_URL: options.dbUrl, GQL_PORT: String(requested) },
    log: (line) => {
      const match = /listening on port (\d+)/.exec(line);
      if (match) announce(Number(match[1]));
      options.log?.(line);
    },
  });
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let port = requested;
  try {
    const exited = child.exited.then(() => Promise.reject(new Error('it exited')));
    port = await withDeadline(Promise.race([announced, exited]), timeoutMs, `it did not start within ${timeoutMs / 1000} s`);
    await withDeadline(Promise.race([waitUntilAnswering(`http://127.0.0.1:${port}/graphql`), exited]), timeoutMs, `it did not answer within ${timeoutMs / 1000} s`);
  } catch (error) {
    await child.stop();
    throw new Error(`The GraphQL server on port ${requested || 'any free port'} did not start (${(error as Error).message}). Its last output:\n${child.recentOutput()}\nIf the port is taken, choose another (GQL_PORT / --graphql-port).`);
  }
  return { url: `http://127.0.0.1:${port}/graphql`, port, process: child, stop: async () => void (await child.stop()) };
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
