// How the shape of the rows sent to Postgres decides what Postgres spends turning them back into
// columns: the processor's statements (src/processor/state/write-specs.ts) take one array per
// column in Postgres's binary format (src/processor/state/binary-array.ts); the alternatives are
// one JSON array per column (what the processor sent before), and one document of rows, each row
// an array read with `(row->>k)::type`, as json or as jsonb. Each shape inserts the same rows into
// an unlogged table without indexes, so the time is the parsing and not the index upkeep; the
// times are Postgres's (one client, one statement at a time), the serialising in JavaScript is
// printed apart.
//
// BENCH_ROWS [50000] rows of BENCH_COLUMNS [7, 14 and 22] columns (text like the index's digests and
// ids, every third an integer, every fourth otherwise a timestamp), BENCH_ROUNDS [3]. Postgres is
// embedded, in a temporary directory.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../src/indexer/embedded-postgres';
import { binaryArray, type ElementType } from '../src/processor/state/binary-array';
import { envInt, envIntList } from './env';

const ROWS = envInt('BENCH_ROWS', 50_000, 1);
const COLUMN_COUNTS = envIntList('BENCH_COLUMNS', [7, 14, 22], 1);
const ROUNDS = envInt('BENCH_ROUNDS', 3, 1);
/** Rows per statement, as the processor's chunks. */
const CHUNK = 10_000;

type Value = string | number | Date;
type Row = Value[];
interface Shape {
  sql: string;
  parameters: (rows: Row[]) => (string | Uint8Array)[];
}

const PROCESSOR_SHAPE = 'one binary array per column (the processor)';
const isInteger = (column: number) => column > 0 && column % 3 === 0;
const isTimestamp = (column: number) => column > 0 && column % 4 === 0 && !isInteger(column);
const typeOf = (column: number): ElementType => (isInteger(column) ? 'int4' : isTimestamp(column) ? 'timestamptz' : 'text');

function shapes(columns: number): Record<string, Shape> {
  const indexes = Array.from({ length: columns }, (_, k) => k);
  const fromRow = indexes.map((k) => `(row->>${k})::${typeOf(k)}`).join(', ');
  const names = indexes.map((k) => `c${k}`).join(', ');
  return {
    [PROCESSOR_SHAPE]: {
      sql: `INSERT INTO t SELECT ${names} FROM unnest(${indexes.map((k) => `$${k + 1}::${typeOf(k)}[]`).join(', ')}) AS doc(${names})`,
      parameters: (rows) => indexes.map((k) => binaryArray(typeOf(k), rows.map((row) => row[k]), (i) => `row ${i} column ${k}`)),
    },
    'one JSON array per column': {
      sql: `INSERT INTO t SELECT ${indexes.map((k) => `c${k}::${typeOf(k)}`).join(', ')} FROM ROWS FROM (${indexes.map((k) => `json_array_elements_text($${k + 1}::json)`).join(', ')}) AS doc(${names})`,
      parameters: (rows) => indexes.map((k) => JSON.stringify(rows.map((row) => row[k]))),
    },
    'rows as arrays, json': {
      sql: `INSERT INTO t SELECT ${fromRow} FROM json_array_elements($1::json) AS row`,
      parameters: (rows) => [JSON.stringify(rows)],
    },
    'rows as arrays, jsonb': {
      sql: `INSERT INTO t SELECT ${fromRow} FROM jsonb_array_elements($1::jsonb) AS row`,
      parameters: (rows) => [JSON.stringify(rows)],
    },
  };
}

function makeRows(columns: number): Row[] {
  const value = (i: number, k: number): Value => {
    if (k === 0) return `${i}-${i % 7}`;
    if (isInteger(k)) return i;
    if (isTimestamp(k)) return new Date(1_700_000_000_000 + i * 6_000);
    return `17/0x${randomBytes(32).toString('hex')}`;
  };
  return Array.from({ length: ROWS }, (_, i) => Array.from({ length: columns }, (_, k) => value(i, k)));
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hcr-write-shape-'));
  chmodSync(dataDir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir });
  const client = new Client({ connectionString: pg.dbUrl });
  try {
    await client.connect();
    console.log(`${ROWS.toLocaleString('en-US')} rows per shape, in statements of ${CHUNK.toLocaleString('en-US')}; best of ${ROUNDS} rounds`);
    for (const columns of COLUMN_COUNTS) {
      const rows = makeRows(columns);
      await client.query('DROP TABLE IF EXISTS t');
      await client.query(`CREATE UNLOGGED TABLE t (${Array.from({ length: columns }, (_, k) => `c${k} ${typeOf(k)}`).join(', ')})`);
      const best = new Map<string, { postgres: number; javascript: number }>();
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, shape] of Object.entries(shapes(columns))) {
          await client.query('TRUNCATE t');
          let postgres = 0;
          let javascript = 0;
          for (let start = 0; start < rows.length; start += CHUNK) {
            const serialising = performance.now();
            const parameters = shape.parameters(rows.slice(start, start + CHUNK));
            const sending = performance.now();
            // A Buffer goes to Postgres in binary; node-postgres sends a plain Uint8Array as text.
            await client.query(shape.sql, parameters.map((p) => (typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
            postgres += performance.now() - sending;
            javascript += sending - serialising;
          }
          const { rows: [{ count }] } = await client.query('SELECT count(*)::int AS count FROM t');
          if (count !== rows.length) throw new Error(`${name} inserted ${count} rows, not ${rows.length}`);
          const previous = best.get(name);
          if (!previous || postgres < previous.postgres) best.set(name, { postgres, javascript });
        }
      }
      const reference = best.get(PROCESSOR_SHAPE)!.postgres;
      console.log(`\n${columns} columns`);
      for (const [name, { postgres, javascript }] of best) {
        console.log(`  ${name.padEnd(44)} Postgres ${postgres.toFixed(0).padStart(5)} ms (${(postgres / reference).toFixed(2)}×)   JavaScript ${javascript.toFixed(0).padStart(4)} ms`);
      }
    }
  } finally {
    await client.end().catch(() => undefined);
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
