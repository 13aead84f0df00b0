// Applies db/migrations to the database named by DB_URL or DB_* (the processor also does this
// on start).
import { dbUrlFromEnv, redactDbUrl } from '../src/indexer/db-url';
import { runMigrations } from '../src/indexer/migrations';

const dbUrl = dbUrlFromEnv();
runMigrations(dbUrl).then(
  (applied) => console.log(applied.length ? `applied ${applied.join(', ')} to ${redactDbUrl(dbUrl)}` : `${redactDbUrl(dbUrl)} is up to date`),
  (error: Error) => {
    console.error(`migrations on ${redactDbUrl(dbUrl)} failed: ${error.message}`);
    process.exit(1);
  },
);
