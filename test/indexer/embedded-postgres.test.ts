// The embedded Postgres sorts and compares text the same way on every machine: code point order
// (the builtin C.UTF-8 locale, which does not depend on the system's locales), with Unicode case
// mapping for case-insensitive filters and full-text search.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testDatabaseClient } from './helpers/postgres';

const client = testDatabaseClient('text_order');

test('a new data directory gets the builtin C.UTF-8 locale, whatever the environment says', async () => {
  const { rows } = await client().query("SELECT datlocprovider, datlocale, pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = current_database()");
  assert.deepEqual(rows[0], { datlocprovider: 'b', datlocale: 'C.UTF-8', encoding: 'UTF8' });
});

test('names sort by code point, and case-insensitive matching covers letters beyond ASCII', async () => {
  const { rows } = await client().query(`
    SELECT array_agg(name ORDER BY name) AS sorted,
           bool_and(name ILIKE 'é%') FILTER (WHERE lower(name) LIKE 'é%') AS accented_match,
           to_tsvector('simple', 'Élan-Vital') @@ to_tsquery('simple', 'élan') AS searched
    FROM (VALUES ('b'), ('B'), ('a'), ('é'), ('É'), ('Z')) AS names(name)`);
  assert.deepEqual(rows[0].sorted, ['B', 'Z', 'a', 'b', 'É', 'é']);
  assert.equal(rows[0].accented_match, true);
  assert.equal(rows[0].searched, true);
});
