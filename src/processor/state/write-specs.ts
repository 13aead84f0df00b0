// The statement that writes a batch's rows of one entity type at once, and how to read each of
// its columns from an entity: built on the processor's main thread from the TypeORM metadata of
// the generated model (so the SQL follows `schema.graphql` after `npm run codegen`), then used
// wherever the rows are serialised (write-plan.ts), including the state thread, which has no
// database connection of its own.
//
// The rows go column by column: each column is one array in Postgres's binary format
// (binary-array.ts), a `$n::type[]` parameter, and Postgres walks the arrays side by side
// (`INSERT … SELECT c0, … FROM unnest($1::text[], $2::int4[], …) AS doc(c0, …)`), reading every
// value once, as stored. Earlier shapes, each measured by `npm run bench:write-shape`: one JSON
// array per column (`json_array_elements_text` in `ROWS FROM`, each value then parsed from text by
// its type); rows as JSON arrays (`(row->>5)::type` for each column), which cost Postgres a scan of
// the row's text up to that column for every value. TypeORM's insert builds a VALUES list with a
// parameter per cell and escapes each one in JavaScript; for the indexer's tables that cost about
// as much as everything else the processor does, and Postgres then parses a statement with
// thousands of parameters. Here the statement text stays the same for every batch.
//
// Byte strings from the chain are kept twice (src/processor/bytes.ts): `xHex`, the exact bytes,
// and `x`, their text when they are valid UTF-8. When the text is there, the hex is its UTF-8
// bytes, so the row carries only the text and Postgres derives the hex (`encode(convert_to(x,
// 'UTF8'), 'hex')`): digests and CIDs in hex were about a fifth of what the processor serialised
// and sent. The hex goes along whenever it is not exactly the text's bytes.
import type { EntityManager, EntityMetadata } from 'typeorm';
import { type ElementType, elementTypeOf } from './binary-array';
import { WRITTEN_ENTITIES, type WrittenEntity } from './written-entities';

export type WriteMode = 'insert' | 'upsert';

/** One column of a statement: the entity property it comes from. */
export interface ColumnSpec {
  /** The property (for a many-to-one join column, the relation's property). */
  property: string;
  /** For a join column: the referenced entity's key property (its id). */
  key?: string;
  required: boolean;
  /** How its values are sent (binary-array.ts). */
  type: ElementType;
}

export interface StatementSpec {
  /** Takes the columns' arrays as parameters $1 … $n, in the order of `columns`. */
  sql: string;
  columns: ColumnSpec[];
  /** Row positions of each `xHex` column and its text twin `x`, whose hex the SQL can derive. */
  hexTwins: [hexAt: number, textAt: number][];
}

/** Statements by `${entity}:${mode}`. */
export type WriteSpecs = Record<string, StatementSpec>;

export const specKey = (entity: WrittenEntity, mode: WriteMode) => `${entity}:${mode}`;

/** The statements for every entity the handler writes, in both modes. */
export function writeSpecs(em: EntityManager): WriteSpecs {
  const specs: WriteSpecs = {};
  for (const [name, type] of Object.entries(WRITTEN_ENTITIES) as [WrittenEntity, (typeof WRITTEN_ENTITIES)[WrittenEntity]][]) {
    const metadata = em.connection.getMetadata(type);
    for (const mode of ['insert', 'upsert'] as const) specs[specKey(name, mode)] = statementSpec(em, metadata, mode);
  }
  return specs;
}

function statementSpec(em: EntityManager, metadata: EntityMetadata, mode: WriteMode): StatementSpec {
  const driver = em.connection.driver;
  // Join columns (e.g. owner_id) count as "virtual" in TypeORM; only computed properties are skipped.
  const columns = metadata.columns.filter((column) => !column.isVirtualProperty);
  const names = columns.map((column) => driver.escape(column.databaseName));
  const hexTwins: StatementSpec['hexTwins'] = [];
  const types = columns.map((column) => elementTypeFor(metadata, column, driver.normalizeType(column)));
  const values = columns.map((column, i) => {
    const value = `c${i}`;
    const textAt = textTwinOf(columns, column);
    if (textAt === undefined) return value;
    hexTwins.push([i, textAt]);
    return `COALESCE(${value}, '0x' || encode(convert_to(c${textAt}, 'UTF8'), 'hex'))`;
  });
  const arrays = types.map((type, i) => `$${i + 1}::${type}[]`);
  let sql = `INSERT INTO ${driver.escape(metadata.tablePath)} (${names.join(', ')}) SELECT ${values.join(', ')} FROM unnest(${arrays.join(', ')}) AS doc(${columns.map((_, i) => `c${i}`).join(', ')})`;
  if (mode === 'upsert') {
    const primary = metadata.primaryColumns.map((column) => driver.escape(column.databaseName));
    const updates = columns.filter((column) => !column.isPrimary).map((column) => `${driver.escape(column.databaseName)} = EXCLUDED.${driver.escape(column.databaseName)}`);
    sql += ` ON CONFLICT (${primary.join(', ')}) DO UPDATE SET ${updates.join(', ')}`;
  }
  return { sql, columns: columns.map((column, i) => columnSpec(metadata, column, types[i])), hexTwins };
}

function elementTypeFor(metadata: EntityMetadata, column: EntityMetadata['columns'][number], postgresType: string): ElementType {
  const type = elementTypeOf(postgresType);
  if (!type) {
    throw new Error(`${metadata.name}.${column.propertyPath} is a ${postgresType} column; src/processor/state/binary-array.ts sends text, integer, boolean and timestamptz values and needs extending for it.`);
  }
  return type;
}

function columnSpec(metadata: EntityMetadata, column: EntityMetadata['columns'][number], type: ElementType): ColumnSpec {
  // The rows are read by plain property access, possibly in a thread without TypeORM's
  // metadata; a column that needs TypeORM to read it is refused here, at start.
  if (column.transformer || column.embeddedMetadata) {
    throw new Error(`${metadata.name}.${column.propertyPath} has a transformer or is embedded; src/processor/state/write-specs.ts writes plain and many-to-one columns only and needs extending for it.`);
  }
  const required = Boolean(column.relationMetadata) || !column.isNullable;
  if (column.relationMetadata && column.referencedColumn) {
    return { property: column.relationMetadata.propertyName, key: column.referencedColumn.propertyName, required, type };
  }
  return { property: column.propertyName, required, type };
}

/** The position of the text column `x` beside a text column `xHex`, if the model has one. */
function textTwinOf(columns: EntityMetadata['columns'], column: EntityMetadata['columns'][number]): number | undefined {
  const property = column.propertyName;
  if (!property.endsWith('Hex') || column.relationMetadata) return undefined;
  const at = columns.findIndex((other) => other.propertyName === property.slice(0, -3) && !other.relationMetadata);
  const isText = (c: EntityMetadata['columns'][number]) => c.type === String || c.type === 'text' || c.type === 'character varying';
  return at >= 0 && isText(column) && isText(columns[at]) ? at : undefined;
}
