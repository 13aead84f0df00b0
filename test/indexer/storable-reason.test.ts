// What the content indexer writes as a row's last_error: reasons quote what anyone wrote, and
// Postgres refuses a NUL or a lone surrogate in text, which failed the row's write for good.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_ERROR_CHARACTERS, storableReason } from '../../src/content-index/content-tables';

const refusedByPostgres = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

test('writes NUL and lone surrogates as escapes, and keeps whole pairs and other text as they are', () => {
  assert.equal(storableReason('Unexpected token \0 in "{\0}"'), 'Unexpected token \\u0000 in "{\\u0000}"');
  assert.equal(storableReason('a \ud800 b \udfff c'), 'a \\ud800 b \\udfff c');
  assert.equal(storableReason('an emoji \ud83d\ude00 stays'), 'an emoji \ud83d\ude00 stays');
});

test('cuts a reason naming thousands of CIDs, never between the halves of a pair', () => {
  const cids = Array.from({ length: 5_000 }, (_, i) => `bafy${i}`).join(', ');
  const cut = storableReason(`every recorded CID holds other bytes (${cids})`);
  assert.ok(cut.length <= MAX_ERROR_CHARACTERS, `${cut.length} characters`);
  assert.match(cut, /… \(cut at 4096 characters\)$/);
  for (let offset = 0; offset < 4; offset++) {
    const pairs = storableReason(`${'x'.repeat(offset)}${'\ud83d\ude00'.repeat(MAX_ERROR_CHARACTERS)}`);
    assert.doesNotMatch(pairs, refusedByPostgres, `offset ${offset}`);
  }
});
