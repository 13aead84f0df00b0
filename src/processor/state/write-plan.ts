// A batch's writes, serialised: for each entity type in the order the foreign keys need (parents
// before children), the rows as JSON arrays, one per column, for its statement (write-specs.ts).
// Plain data (bytes and ids), so it can be built in the state thread and executed on the main one.
//
// Each array is JSON text in UTF-8, which Postgres takes as a `$n::json` parameter sent as bytes
// (json's binary wire format is its text). The state thread encodes it and hands the memory over
// without a copy; sent as a string, the main thread had to copy it out of the message and encode
// it again, about 2 s of its time for the benchmark's load.
import type { BatchState } from './batch-state';
import { type StatementSpec, specKey, type WriteMode, type WriteSpecs } from './write-specs';
import type { WrittenEntity } from './written-entities';

export interface PlannedWrite {
  entity: WrittenEntity;
  mode: WriteMode;
  /** The rows in chunks of at most CHUNK_ROWS rows; a chunk is one JSON array (jsonDocument) per column. */
  chunks: Uint8Array[][];
  /** The rows' ids, for the hot-block change tracker; only when asked for. */
  ids?: string[];
}

/** Rows per chunk: bounds the size of one statement's parameters. */
const CHUNK_ROWS = 10_000;

const WRITE_ORDER: [WrittenEntity, WriteMode, (state: BatchState) => object[]][] = [
  ['Account', 'insert', (state) => [...state.newAccounts].map((id) => state.accounts.get(id)!)],
  ['Space', 'upsert', (state) => [...state.changed.spaces]],
  ['Image', 'upsert', (state) => [...state.changed.images]],
  ['Manifest', 'upsert', (state) => [...state.changed.manifests]],
  ['Tag', 'upsert', (state) => [...state.changed.tags]],
  ['Blob', 'upsert', (state) => [...state.changed.blobs]],
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
    for (let start = 0; start < rows.length; start += CHUNK_ROWS) chunks.push(columnsJson(entity, spec, rows.slice(start, start + CHUNK_ROWS)).map(jsonDocument));
    writes.push({ entity, mode, chunks, ...(withIds ? { ids: rows.map((row) => (row as { id: string }).id) } : {}) });
  }
  return writes;
}

/**
 * The rows as JSON, one array per column in the statement's order, each holding that column's
 * value for every row. A row that lacks a required value is a bug in the handler, named here.
 */
export function columnsJson(entity: string, { columns, hexTwins }: StatementSpec, rows: object[]): string[] {
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
  return values.map((column) => JSON.stringify(column));
}

/** JSON text in UTF-8, in memory of its own (transferable to the main thread). */
export function jsonDocument(json: string): Uint8Array {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(json));
  bytes.write(json, 0, 'utf8');
  return bytes;
}

/** Whether `hex` (0x…) is exactly the UTF-8 bytes of `text`, so that Postgres can derive it. */
function hexOfText(hex: unknown, text: unknown): boolean {
  return typeof hex === 'string' && typeof text === 'string' && hex.length === 2 + 2 * Buffer.byteLength(text) && hex.startsWith('0x');
}
