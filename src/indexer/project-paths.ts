import path from 'node:path';

/** The project root: where schema.graphql, db/migrations and node_modules are. */
export const PROJECT_ROOT = path.resolve(__dirname, '../..');
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'db', 'migrations');
