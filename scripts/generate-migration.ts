// Generates the next migration in db/migrations from the model (src/model, from schema.graphql)
// with Subsquid's generator, against a throwaway embedded Postgres that holds the schema the
// existing migrations build. Full-text migrations come from codegen and run last; they are left
// out here so the generator does not see their generated columns as unknown. The model's
// relations get no foreign-key constraints (see scripts/no-foreign-keys.ts).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/indexer/embedded-postgres';
import { runMigrations } from '../src/indexer/migrations';
import { PROJECT_ROOT } from '../src/indexer/project-paths';

const FULLTEXT_MIGRATION = /\.search\.js$/;

async function main(): Promise<number> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hcr-migration-'));
  chmodSync(dataDir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir });
  try {
    await runMigrations(pg.dbUrl, { exclude: FULLTEXT_MIGRATION });
    const generator = require.resolve('@subsquid/typeorm-migration/lib/generate.js');
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--import', './src/indexer/register-ts-sources.ts', '--import', './scripts/no-foreign-keys.ts', generator, ...process.argv.slice(2)], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DB_URL: pg.dbUrl },
      stdio: 'inherit',
    });
    return result.status ?? 1;
  } finally {
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (error) => {
  console.error(`migration:generate: ${(error as Error).message}`);
  process.exit(1);
});
