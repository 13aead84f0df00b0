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
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
