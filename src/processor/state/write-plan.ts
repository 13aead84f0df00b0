// A batch's writes, serialised: for each entity type in the order the foreign keys need (parents
// before children), the rows as one binary array per column (binary-array.ts) for its statement
// (write-specs.ts). Plain data (bytes and ids), so it can be built in the state thread and
// executed on the main one: the state thread hands the arrays' memory over without a copy.
import type { BatchState } from './batch-state';
import { binaryArray } from './binary-array';
import { type StatementSpec, specKey, type WriteMode, type WriteSpecs } from './write-specs';
import type { WrittenEntity } from './written-entities';

export interface PlannedWrite {
  entity: WrittenEntity;
  mode: WriteMode;
  /** The rows in chunks of at most CHUNK_ROWS rows; a chunk is one binary array per column. */
  chunks: Uint8Array[][];
  /** The rows' ids, for the hot-block change tracker; only when asked for. */
  ids?: string[];
}

/** Rows per chunk: bounds the size of one statement's parameters. */
const CHUNK_ROWS = 10_000;

/** The entity types a batch may make or change, with where its changed ones are kept. */
const CHANGED: [WrittenEntity, (state: BatchState) => Set<object>][] = [
  ['Space', (state) => state.changed.spaces],
  ['Image', (state) => state.changed.images],
  ['Manifest', (state) => state.changed.manifests],
  ['Tag', (state) => state.changed.tags],
  ['Blob', (state) => state.changed.blobs],
];

/** The changed entities the batch made (`made`), or found in the cache or the database. */
const changedRows = (rows: Set<object>, state: BatchState, made: boolean) => [...rows].filter((row) => state.created.has(row) === made);

// An entity the batch made goes in with a plain INSERT, one it found and changed with an upsert.
const WRITE_ORDER: [WrittenEntity, WriteMode, (state: BatchState) => object[]][] = [
  ['Account', 'insert', (state) => [...state.newAccounts].map((id) => state.accounts.get(id)!)],
  ...CHANGED.flatMap(([entity, changed]): typeof WRITE_ORDER => [
    [entity, 'insert', (state) => changedRows(changed(state), state, true)],
    [entity, 'upsert', (state) => changedRows(changed(state), state, false)],
  ]),
  ['SpaceMember', 'insert', (state) => state.inserts.spaceMembers],
  ['TagUpdate', 'insert', (state) => state.inserts.tagUpdates],
  ['DigestInfoRecord', 'insert', (state) => state.inserts.digestInfoRecords],
];

export function planWrites(state: BatchState, specs: WriteSpecs, withIds: boolean): PlannedWrite[] {
  const writes: PlannedWrite[] = [];
  for (const [entity, mode, rowsOf] of WRITE_ORDER) {
    const rows = rowsOf(state);
    if (rows.length === 0) continue;
    const spec = specs[specKey(entity, mode)];
    if (!spec) throw new Error(`no write statement for ${entity} (${mode}); the state thread was given incomplete statements`);
    const chunks: Uint8Array[][] = [];
    for (let start = 0; start < rows.length; start += CHUNK_ROWS) chunks.push(columnArrays(entity, spec, rows.slice(start, start + CHUNK_ROWS)));
    writes.push({ entity, mode, chunks, ...(withIds ? { ids: rows.map((row) => (row as { id: string }).id) } : {}) });
  }
  return writes;
}

/**
 * The rows as one binary array per column, in the statement's order, each holding that column's
 * value for every row. A row that lacks a required value, or holds a value of the wrong kind, is
 * a bug in the handler, named here.
 */
export function columnArrays(entity: string, { columns, hexTwins }: StatementSpec, rows: object[]): Uint8Array[] {
  const values = columns.map(() => new Array<unknown>(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Record<string, unknown>;
    for (let c = 0; c < columns.length; c++) {
      const { property, key, required } = columns[c];
      let value = row[property];
      if (key !== undefined && value !== null && value !== undefined) value = (value as Record<string, unknown>)[key];
      if (value === undefined && required) {
        throw new Error(`${entity} ${(row as { id?: string }).id}: ${property} is not set; every written ${entity} must carry it`);
      }
      values[c][i] = value ?? null;
    }
    // A hex column whose text twin holds the same bytes goes as null; the statement derives it.
    for (const [hexAt, textAt] of hexTwins) if (hexOfText(values[hexAt][i], values[textAt][i])) values[hexAt][i] = null;
  }
  return columns.map(({ property, type }, c) =>
    binaryArray(type, values[c], (i) => `${entity} ${(rows[i] as { id?: string }).id}: ${property}`),
  );
}

/** Whether `hex` (0x…) is exactly the UTF-8 bytes of `text`, so that Postgres can derive it. */
function hexOfText(hex: unknown, text: unknown): boolean {
  return typeof hex === 'string' && typeof text === 'string' && hex.length === 2 + 2 * Buffer.byteLength(text) && hex.startsWith('0x');
}
