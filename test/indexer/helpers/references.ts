// The index has no foreign-key constraints (scripts/no-foreign-keys.ts), so the tests check what
// they would: every many-to-one reference of the model names a row that exists.
import '../../../src/indexer/register-ts-sources';
import { SnakeNamingStrategy } from '@subsquid/typeorm-config/lib/namingStrategy';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import * as model from '../../../src/model';

interface Reference {
  table: string;
  column: string;
  target: string;
}

let references: Reference[] | undefined;

/** Every join column of the generated model and the table it points at. */
async function modelReferences(): Promise<Reference[]> {
  if (references) return references;
  const entities = Object.values(model).filter((value) => typeof value === 'function');
  const dataSource = new DataSource({ type: 'postgres', entities: entities as Function[], namingStrategy: new SnakeNamingStrategy() });
  // Metadata only, without connecting (buildMetadatas is protected in TypeORM's typings).
  await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
  references = dataSource.entityMetadatas.flatMap((metadata) =>
    metadata.manyToOneRelations.flatMap((relation) =>
      relation.joinColumns.map((column) => ({ table: metadata.tableName, column: column.databaseName, target: relation.inverseEntityMetadata.tableName })),
    ),
  );
  return references;
}

/** "table.column → target: n rows" for each reference that names a missing row; [] when all resolve. */
export async function danglingReferences(dbUrl: string): Promise<string[]> {
  const found: string[] = [];
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    for (const { table, column, target } of await modelReferences()) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM "${table}" c WHERE c."${column}" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "${target}" p WHERE p.id = c."${column}")`,
      );
      if (rows[0].n > 0) found.push(`${table}.${column} → ${target}: ${rows[0].n} rows`);
    }
  } finally {
    await client.end();
  }
  return found;
}

/** How many join columns the model has (a guard that the check above checks something). */
export async function referenceCount(): Promise<number> {
  return (await modelReferences()).length;
}
