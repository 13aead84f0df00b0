// Applies the generated migrations in db/migrations (TypeORM, Subsquid's snake_case naming), each
// in its own transaction, the way `squid-typeorm-migration apply` does, without needing a model.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { MIGRATIONS_DIR } from './project-paths';

export interface MigrationOptions {
  /** Skip files matching this (the migration generator applies all but the full-text ones). */
  exclude?: RegExp;
}

/** Applies the pending migrations and returns their names. */
export async function runMigrations(dbUrl: string, options: MigrationOptions = {}): Promise<string[]> {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((file) => file.endsWith('.js') && !options.exclude?.test(file))
    .map((file) => path.join(MIGRATIONS_DIR, file));
  const source = new DataSource({ type: 'postgres', url: dbUrl, migrations: files, migrationsTransactionMode: 'each', logging: false });
  await source.initialize();
  try {
    const applied = await source.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await source.destroy();
  }
}
