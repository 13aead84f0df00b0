// One embedded Postgres per test file, in a temp dir, with a fresh database per use.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { Client } from 'pg';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../../../src/indexer/embedded-postgres';

export interface TestPostgres {
  /** A new, empty database on the server. */
  newDatabase(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hcr-indexer-test-'));
  // Postgres runs as the postgres user when the tests run as root; let it in.
  chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: dir, settings: { fsync: 'off', synchronous_commit: 'off' } });
  return {
    async newDatabase(name) {
      const admin = pg.dbUrl.replace(/\/[^/]*$/, '/postgres');
      await createDatabaseIfMissing(admin, name);
      return pg.dbUrl.replace(/\/[^/]*$/, `/${name}`);
    },
    async close() {
      await untilNoClients(pg.dbUrl.replace(/\/[^/]*$/, '/postgres'));
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits (up to two seconds) until no client is connected but this one. A pg Pool's end() resolves
 * once its clients are told to close, not once they have: Postgres stopping meanwhile sends each
 * "terminating connection", which a client no longer in its pool throws as an uncaught error.
 */
async function untilNoClients(adminUrl: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  try {
    await client.connect();
  } catch {
    return; // stopped already (a test stopping Postgres on purpose): no client left to wait for
  }
  try {
    for (const deadline = Date.now() + 2_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
      const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'");
      if (Number(rows[0].n) === 0) return;
    }
  } finally {
    await client.end();
  }
}

/**
 * For a test file that needs one connection: starts an embedded Postgres before its tests, with a
 * client connected to a new database `name`, and stops both after them. Returns the client's getter.
 */
export function testDatabaseClient(name: string): () => Client {
  let pg: TestPostgres | undefined;
  let client: Client | undefined;
  before(async () => {
    pg = await startTestPostgres();
    client = new Client({ connectionString: await pg.newDatabase(name) });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await pg?.close();
  });
  return () => {
    if (!client) throw new Error(`the test database "${name}" is not connected yet (use it inside a test)`);
    return client;
  };
}
