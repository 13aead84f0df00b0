// The processor sends each column of a batch as an array in Postgres's binary format
// (src/processor/state/binary-array.ts). Every element type it uses goes through a real Postgres
// and comes back unchanged, nulls and edge values included; a value of the wrong kind is refused
// in JavaScript with the row and property named, before anything is sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryArray, type ElementType } from '../../src/processor/state/binary-array';
import { testDatabaseClient } from './helpers/postgres';

const client = testDatabaseClient('arrays');

const describe = (i: number) => `row ${i}`;

/** What Postgres makes of the array: its elements in order, as node-postgres reads them. */
async function roundTrip(type: ElementType, values: unknown[]): Promise<unknown[]> {
  const bytes = binaryArray(type, values, describe);
  const { rows } = await client().query(`SELECT x FROM unnest($1::${type}[]) WITH ORDINALITY AS u(x, n) ORDER BY n`, [Buffer.from(bytes)]);
  return rows.map((row) => row.x);
}

test('text, integers, booleans and timestamps come back from Postgres as they were sent', async () => {
  const texts = ['', 'sha256:aa', '\uFEFFimg-é🐳', '0x' + 'ab'.repeat(100), null, 'x'.repeat(20_000), 'a"b\\c\n{}'];
  assert.deepEqual(await roundTrip('text', texts), texts);

  const integers = [0, -1, 1, 2_147_483_647, -2_147_483_648, null, 20_000];
  assert.deepEqual(await roundTrip('int4', integers), integers);

  const booleans = [true, false, null];
  assert.deepEqual(await roundTrip('bool', booleans), booleans);

  const dates = [new Date('2026-12-02T06:00:00.123Z'), new Date('2000-01-01T00:00:00.000Z'), new Date('1999-12-31T23:59:59.999Z'), new Date(0), new Date(-1), null, new Date('2262-04-11T23:47:16.854Z'), new Date('3000-01-01T00:00:00.001Z'), new Date(8.64e15)];
  const back = (await roundTrip('timestamptz', dates)) as (Date | null)[];
  assert.deepEqual(back.map((date) => date?.toISOString() ?? null), dates.map((date) => date?.toISOString() ?? null));
});

test('an empty column, and one far larger than the first scratch buffer, go through', async () => {
  assert.deepEqual(await roundTrip('text', []), []);
  assert.deepEqual(await roundTrip('int4', []), []);
  const many = Array.from({ length: 30_000 }, (_, i) => `${i}/0x${i.toString(16).padStart(128, '0')}`);
  const back = await roundTrip('text', many);
  assert.equal(back.length, many.length);
  assert.deepEqual(back, many);
  // The scratch buffer is reused: a small array after a large one is exactly its own bytes.
  assert.deepEqual(await roundTrip('int4', [7]), [7]);
});

test('a value of the wrong kind is refused with the row and what was wrong', () => {
  const cases: [ElementType, unknown[], RegExp][] = [
    ['int4', [1, '2'], /row 1 is string, not a 32-bit integer/],
    ['int4', [1.5], /row 0 is 1\.5, not a 32-bit integer/],
    ['int4', [2 ** 31], /row 0 is 2147483648, not a 32-bit integer/],
    ['text', ['a', 5], /row 1 is number, not a string/],
    ['bool', [1], /row 0 is number, not a boolean/],
    ['timestamptz', [new Date(Number.NaN)], /row 0 is an invalid Date, not a valid Date/],
    ['timestamptz', ['2026-01-01'], /row 0 is string, not a valid Date/],
  ];
  for (const [type, values, message] of cases) assert.throws(() => binaryArray(type, values, describe), message, `${type} ${JSON.stringify(values)}`);
});
