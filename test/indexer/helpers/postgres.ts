// One embedded Postgres per test file, in a temp dir, with a fresh database per use.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
