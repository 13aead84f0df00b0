// Writes a batch's rows of one entity type in a single statement: the rows go as one JSON
// document, each row an array of its column values, that Postgres turns back into rows
// (`INSERT … SELECT (row->>0)::type, … FROM jsonb_array_elements($1)`). Arrays rather than
// objects keep the column names out of every row, which made the document about half as long.
// TypeORM's insert builds a VALUES list with a parameter per cell and escapes each one in
// JavaScript; for the indexer's tables that cost about as much as everything else the processor
// does, and Postgres then parses a statement with thousands of parameters. JSON.stringify is
// native code, and the statement text stays the same for every batch. Columns, types and table
// names come from the TypeORM metadata of the generated model, so the SQL follows
// `schema.graphql` after `npm run codegen`.
//
// Byte strings from the chain are kept twice (src/processor/bytes.ts): `xHex`, the exact bytes, and
// `x`, their text when they are valid UTF-8. When the text is there, the hex is its UTF-8 bytes, so
// the row carries only the text and Postgres derives the hex (`encode(convert_to(x, 'UTF8'),
// 'hex')`): digests and CIDs in hex were about a fifth of what the processor serialised and sent.
// The hex goes along whenever it is not exactly the text's bytes.
//
// Hot blocks: the Subsquid store records what each write changes so that a reorg can undo it.
// The same tracker is called here before writing, exactly as Store.insert / Store.upsert do.
import type { Store } from '@subsquid/typeorm-store';
import type { EntityManager, EntityMetadata } from 'typeorm';

type EntityClass<E> = new (...args: never[]) => E;

interface ChangeTracker {
  trackInsert(type: EntityClass<unknown>, entities: unknown[]): Promise<void>;
  trackUpsert(type: EntityClass<unknown>, entities: unknown[]): Promise<void>;
}

interface StoreInternals {
  em: () => EntityManager;
  changes?: ChangeTracker;
}

/** Rows per statement: bounds the size of one query's arrays. */
const CHUNK_ROWS = 10_000;

function internals(store: Store): StoreInternals {
  const inner = store as unknown as Partial<StoreInternals>;
  if (typeof inner.em !== 'function') {
    throw new Error('@subsquid/typeorm-store no longer exposes its entity manager to the processor; src/processor/state/bulk-write.ts needs updating for this version.');
  }
  return inner as StoreInternals;
}

/** How to read one column's value from an entity. */
interface ColumnReader {
  name: string;
  property: string;
  required: boolean;
  read(entity: object): unknown;
}

interface Statement {
  sql: string;
  columns: ColumnReader[];
  /** Row positions of each `xHex` column and its text twin `x`, whose hex the SQL can derive. */
  hexTwins: [hexAt: number, textAt: number][];
}

const statements = new Map<string, Statement>();

function readerFor(column: EntityMetadata['columns'][number]): ColumnReader {
  const name = column.databaseName;
  const property = column.propertyPath;
  const required = Boolean(column.relationMetadata) || !column.isNullable;
  // Plain columns and many-to-one join columns are read directly (the hot path); anything else
  // (transformers, embedded columns) through TypeORM.
  let read: (entity: object) => unknown;
  if (column.transformer || column.embeddedMetadata) {
    read = (entity) => column.getEntityValue(entity, true);
  } else if (column.relationMetadata && column.referencedColumn) {
    const relation = column.relationMetadata.propertyName;
    const key = column.referencedColumn.propertyName;
    read = (entity) => {
      const target = (entity as Record<string, unknown>)[relation];
      return target === null || target === undefined ? target : (target as Record<string, unknown>)[key];
    };
  } else {
    const key = column.propertyName;
    read = (entity) => (entity as Record<string, unknown>)[key];
  }
  return { name, property, required, read };
}

function statementFor(em: EntityManager, metadata: EntityMetadata, mode: 'insert' | 'upsert'): Statement {
  const key = `${metadata.tablePath}:${mode}`;
  let statement = statements.get(key);
  if (statement) return statement;
  const driver = em.connection.driver;
  // Join columns (e.g. owner_id) count as "virtual" in TypeORM; only computed properties are skipped.
  const columns = metadata.columns.filter((column) => !column.isVirtualProperty);
  const names = columns.map((column) => driver.escape(column.databaseName));
  const hexTwins: Statement['hexTwins'] = [];
  const values = columns.map((column, i) => {
    const value = `(row->>${i})::${driver.normalizeType(column)}`;
    const textAt = textTwinOf(columns, column);
    if (textAt === undefined) return value;
    hexTwins.push([i, textAt]);
    return `COALESCE(${value}, '0x' || encode(convert_to(row->>${textAt}, 'UTF8'), 'hex'))`;
  });
  let sql = `INSERT INTO ${driver.escape(metadata.tablePath)} (${names.join(', ')}) SELECT ${values.join(', ')} FROM jsonb_array_elements($1::jsonb) AS row`;
  if (mode === 'upsert') {
    const primary = metadata.primaryColumns.map((column) => driver.escape(column.databaseName));
    const updates = columns.filter((column) => !column.isPrimary).map((column) => `${driver.escape(column.databaseName)} = EXCLUDED.${driver.escape(column.databaseName)}`);
    sql += ` ON CONFLICT (${primary.join(', ')}) DO UPDATE SET ${updates.join(', ')}`;
  }
  statement = { sql, columns: columns.map(readerFor), hexTwins };
  statements.set(key, statement);
  return statement;
}

/** The position of the text column `x` beside a text column `xHex`, if the model has one. */
function textTwinOf(columns: EntityMetadata['columns'], column: EntityMetadata['columns'][number]): number | undefined {
  const property = column.propertyName;
  if (!property.endsWith('Hex') || column.relationMetadata) return undefined;
  const at = columns.findIndex((other) => other.propertyName === property.slice(0, -3) && !other.relationMetadata);
  const isText = (c: EntityMetadata['columns'][number]) => c.type === String || c.type === 'text' || c.type === 'character varying';
  return at >= 0 && isText(column) && isText(columns[at]) ? at : undefined;
}

/** Whether `hex` (0x…) is exactly the UTF-8 bytes of `text`, so that Postgres can derive it. */
function hexOfText(hex: unknown, text: unknown): boolean {
  return typeof hex === 'string' && typeof text === 'string' && hex.length === 2 + 2 * Buffer.byteLength(text) && hex.startsWith('0x');
}

/**
 * The rows as JSON, each an array of its column values in the statement's order (no column
 * names repeated in every row). A row that lacks a required value is a bug in the handler, named here.
 */
function rowsJson(metadata: EntityMetadata, { columns, hexTwins }: Statement, rows: object[]): string {
  const records = new Array<unknown[]>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const record = new Array<unknown>(columns.length);
    for (let c = 0; c < columns.length; c++) {
      const value = columns[c].read(rows[i]);
      if (value === undefined && columns[c].required) {
        throw new Error(`${metadata.name} ${(rows[i] as { id?: string }).id}: ${columns[c].property} is not set; every written ${metadata.name} must carry it`);
      }
      record[c] = value ?? null;
    }
    // A hex column whose text twin holds the same bytes goes as null; the statement derives it.
    for (const [hexAt, textAt] of hexTwins) if (hexOfText(record[hexAt], record[textAt])) record[hexAt] = null;
    records[i] = record;
  }
  return JSON.stringify(records);
}

async function write<E extends object>(store: Store, rows: E[], mode: 'insert' | 'upsert'): Promise<void> {
  if (rows.length === 0) return;
  const type = rows[0].constructor as EntityClass<E>;
  const { em, changes } = internals(store);
  if (mode === 'insert') await changes?.trackInsert(type, rows);
  else await changes?.trackUpsert(type, rows);
  const manager = em();
  const metadata = manager.connection.getMetadata(type);
  const statement = statementFor(manager, metadata, mode);
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const chunk = rows.slice(start, start + CHUNK_ROWS);
    await manager.query(statement.sql, [rowsJson(metadata, statement, chunk)]);
  }
}

/** Inserts new rows (all of one entity type). */
export function bulkInsert<E extends object>(store: Store, rows: E[]): Promise<void> {
  return write(store, rows, 'insert');
}

/** Inserts rows or replaces every column of the existing ones with the same id. */
export function bulkUpsert<E extends object>(store: Store, rows: E[]): Promise<void> {
  return write(store, rows, 'upsert');
}

/** Whether the store records changes for rollback: its writes belong to unfinalized blocks. */
export function isHotStore(store: Store): boolean {
  return internals(store).changes !== undefined;
}

/** Which of the entity types' tables hold no row at all, in the batch's transaction. */
export async function emptyTables(store: Store, types: EntityClass<unknown>[]): Promise<boolean[]> {
  const manager = internals(store).em();
  const driver = manager.connection.driver;
  const probes = types.map((type, i) => `NOT EXISTS (SELECT 1 FROM ${driver.escape(manager.connection.getMetadata(type).tablePath)}) AS "t${i}"`);
  const [row] = (await manager.query(`SELECT ${probes.join(', ')}`)) as Record<string, boolean>[];
  return types.map((_, i) => row[`t${i}`] === true);
}
