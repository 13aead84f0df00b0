// Error answers named the problem but also carried the internals: a text argument with a NUL
// (`"a\u0000b"`), which anyone can send, made Postgres refuse the SQL, and the answer held
// `extensions.exception` with the SQL text, its parameters and the driver's details (Postgres's
// source file and routine). Now such an argument is the client's error in words, BAD_USER_INPUT,
// and no answer carries an exception's internals (src/indexer/graphql-error-details.ts). A long
// semver range is quoted back only in part.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gqlResponse } from './helpers/graphql';
import { indexWideSpace, type WideSpaceIndex } from './helpers/wide-space';

let wide: WideSpaceIndex;

before(async () => {
  wide = await indexWideSpace('error_details', 2);
});

after(async () => {
  await wide?.close();
});

test('text Postgres cannot take is refused in words, with no SQL, parameters or driver details, in generated and custom queries', async () => {
  const url = wide.indexer.graphql.url;
  const queries = [
    '{ spaces(where: { name_eq: "a\\u0000b" }) { id } }',
    '{ artifacts(label: ["a\\u0000b=c"]) { id } }',
    '{ artifacts(label: ["key=value\\u0000"]) { id } }',
    '{ artifacts(space: "x\\u0000") { id } }',
    '{ artifactVersions(kind: ["x\\u0000"]) { id } }',
    '{ tagContents(tagIds: ["x\\u0000"]) { tagId } }',
  ];
  for (const query of queries) {
    const body = await gqlResponse(url, query);
    const text = JSON.stringify(body);
    const [error] = body.errors ?? [];
    assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', `${query}: ${text.slice(0, 300)}`);
    assert.equal(error.message, 'An argument holds text the index cannot compare: a NUL character (\\u0000) or a lone surrogate (such as \\ud800), which no name, tag, label or id in the index contains. Leave such characters out of the query\'s arguments.');
    assert.deepEqual(Object.keys(error.extensions!), ['code'], `${query}: nothing but the code in ${text.slice(0, 300)}`);
    assert.doesNotMatch(text, /SELECT|driverError|exception|routine|\.c"/, query);
  }
  // The same queries with ordinary text are answered.
  assert.equal((await gqlResponse(url, '{ spaces(where: { name_eq: "ab" }) { id } }')).errors, undefined);
  assert.equal((await gqlResponse(url, '{ artifacts(label: ["key=value"]) { id } }')).errors, undefined);
});

test('an error thrown by a resolver carries its code and nothing of the exception', async () => {
  const body = await gqlResponse(wide.indexer.graphql.url, '{ search(text: "!!!") { kind } }');
  const [error] = body.errors ?? [];
  assert.equal(error?.extensions?.code, 'BAD_USER_INPUT');
  assert.equal(error.extensions?.exception, undefined, JSON.stringify(body));
});

test('a semver range that is no range is quoted back only in part', async () => {
  // Within the length a range may have (a longer one is refused for its length, semver-range-bounds.test.ts).
  const body = await gqlResponse(wide.indexer.graphql.url, `{ artifactVersions(range: "${'1'.repeat(250)}") { id } }`);
  const [error] = body.errors ?? [];
  assert.equal(error?.extensions?.code, 'BAD_USER_INPUT');
  assert.ok(error.message.length < 300, `${error.message.length} characters`);
  assert.match(error.message, /^"1{80}…" is not a semver range; write one as npm does/);
});
