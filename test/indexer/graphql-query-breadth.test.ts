// One request could ask for the same expensive list a hundred times under aliases: each is a SQL
// query of its own on the request's one connection, and the statement timeout bounds each, not
// their sum (100 aliases of `images { space { images … } } }` took 26 s and 1.6 GB; the rate limit
// counts it once). Fragments multiply fields the same way, and a chain of fragments each spread
// twice made the nesting rule itself take exponential time. src/indexer/graphql-query-breadth.ts
// refuses, before any SQL runs, queries asking for more than 20 root fields and lists of entities
// or 300 fields, aliases and fragment spreads expanded. Here, against the real server and index,
// the attacks are refused with the code, the count and the setting; the settings raise the
// bounds; and what the web page, the CLI, the gateway and docs/graphql-examples.md send answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildClientSchema, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import { startGraphql, type GraphqlServer } from '../../src/indexer/graphql-server';
import { listNestingRule } from '../../src/indexer/graphql-list-nesting';
import { maxFieldsFromEnv, maxListFieldsFromEnv, queryBreadthRule } from '../../src/indexer/graphql-query-breadth';
import * as web from '../../src/web/queries';
import type { DevAccounts } from './helpers/accounts';
import { gqlResponse } from './helpers/graphql';
import type { TestIndexer } from './helpers/indexer';
import { indexWideSpace, type WideSpaceIndex } from './helpers/wide-space';
import { digestRecordsQuery, manifestRecordsQuery } from '../../src/gateway/resolve/graphql-index';

let wide: WideSpaceIndex;
let indexer: TestIndexer;
/** Default bounds, no cache, logging every SQL statement it runs. */
let watched: GraphqlServer;
/** Bounds raised by the settings. */
let roomy: GraphqlServer;
let a: DevAccounts;
let spaceId: string;
const sqlLog: string[] = [];

const IMAGES = 20;
const ROOT = path.resolve(__dirname, '../..');

before(async () => {
  wide = await indexWideSpace('query_breadth', IMAGES);
  ({ indexer, spaceId, a } = wide);
  const { dbUrl } = wide;
  watched = await startGraphql({
    dbUrl, port: 0,
    env: { GQL_RESPONSE_CACHE: 'off', SQD_DEBUG: 'sqd:graphql-server*' },
    log: (line) => void (line.includes('sql query') && sqlLog.push(line)),
  });
  roomy = await startGraphql({ dbUrl, port: 0, env: { GQL_RESPONSE_CACHE: 'off', GQL_MAX_LIST_FIELDS: '200', GQL_MAX_FIELDS: '2000' } });
});

after(async () => {
  await roomy?.stop();
  await watched?.stop();
  await wide?.close();
});

const aliases = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');

/** Posts the query, expects it refused with `code` and no data, and returns the error. */
const refusal = async (url: string, query: string, code: string) => {
  const body = await gqlResponse(url, query);
  assert.equal(body.data, undefined, 'nothing is answered');
  const [error] = body.errors ?? [];
  assert.ok(error, `expected a refusal, got ${JSON.stringify(body).slice(0, 200)}`);
  assert.equal(error.extensions?.code, code, error.message);
  return error;
};

test('a hundred aliases of one list are refused before any SQL runs, naming the fields and the setting', async () => {
  const query = `{ ${aliases(100, 'images(limit: 1000) { id name space { images { id } } }')} }`;
  const before = sqlLog.length;
  const error = await refusal(watched.url, query, 'QUERY_TOO_BROAD');
  assert.match(error.message, /^This query asks for 200 root fields and lists of entities \(a0:images, a0:images > space > images, a1:images, a1:images > space > images, …\), counting each alias and each place a fragment is spread; at most 20 may be asked for in one query, since each is a SQL query or subquery of its own\. Split it into several queries, or start the server with a larger GQL_MAX_LIST_FIELDS\.$/);
  assert.deepEqual(error.extensions, { code: 'QUERY_TOO_BROAD', listFields: 200, maxListFields: 20 });
  assert.equal(sqlLog.length, before, `no SQL ran, yet:\n${sqlLog.slice(before).join('\n').slice(0, 500)}`);
  // The same server runs SQL (and logs it) for a query within the bound.
  assert.equal((await gqlResponse(watched.url, `{ ${aliases(10, 'images { id }')} }`)).data?.a9.length, IMAGES);
  assert.ok(sqlLog.length > before, 'the SQL log works');
  // Root fields count even when they are no list: 21 cheap lookups are 21 SQL queries.
  await refusal(indexer.graphql.url, `{ ${aliases(21, `spaceById(id: "${spaceId}") { id }`)} }`, 'QUERY_TOO_BROAD');
  // Nor can a batch (a JSON array of queries) carry them past the bound: batching stays off.
  const batch = await fetch(indexer.graphql.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Array.from({ length: 2 }, () => ({ query: '{ images { id } }' }))) });
  assert.equal(batch.status, 400);
  assert.match(await batch.text(), /batching disabled/);
});

test('lists and fields are counted where fragments are spread, and fragment chains cost no more to count', async () => {
  // Five lists in a fragment, spread under five aliases: 5 roots + 25 lists.
  const spread = await refusal(indexer.graphql.url, `{ ${aliases(5, 'spaces { ...Five }')} }
    fragment Five on Space { ...Members images { tags { id } } b: images { id } }
    fragment Members on Space { members { id } c: members { id } }`, 'QUERY_TOO_BROAD');
  assert.equal(spread.extensions?.listFields, 30);
  // Spreading a fragment again in the same place adds nothing (execution answers it once);
  // through an inline fragment on the root type, root fields still count.
  await refusal(indexer.graphql.url, `{ ... on Query { ${aliases(21, 'squidStatus { height }')} } }`, 'QUERY_TOO_BROAD');
  // Each fragment spreads the next through two fields: 2^26 fields in 2 kB. Counted once per
  // fragment, this is refused at once; followed spread by spread, it took minutes.
  const levels = 26;
  const chainOf = Array.from({ length: levels }, (_, i) => `fragment F${i} on Space { id ${i + 1 < levels ? `shadowOf { ...F${i + 1} } nameTakenBy { ...F${i + 1} }` : ''} }`).join('\n');
  const started = Date.now();
  const doubled = await refusal(indexer.graphql.url, `{ spaces { ...F0 } }\n${chainOf}`, 'QUERY_TOO_COMPLEX');
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  assert.match(doubled.message, /^This query asks for \d+ fields, counting each alias and each place a fragment is spread; at most 300 may be asked for in one query\. .*start the server with a larger GQL_MAX_FIELDS\.$/);
  assert.ok((doubled.extensions?.fields as number) > 2 ** levels);
});

test('very many fields side by side, and introspection asked for again and again, are refused', async () => {
  // Aliases widen every row: 301 copies of a name over every image.
  const wide = await refusal(indexer.graphql.url, `{ images { ${aliases(301, 'name')} } }`, 'QUERY_TOO_COMPLEX');
  assert.deepEqual(wide.extensions, { code: 'QUERY_TOO_COMPLEX', fields: 302, maxFields: 300 });
  const fragments = getIntrospectionQuery().slice(getIntrospectionQuery().indexOf('fragment FullType'));
  const thrice = await refusal(indexer.graphql.url, `{ ${aliases(3, '__schema { types { ...FullType } }')} } ${fragments}`, 'QUERY_TOO_BROAD');
  assert.equal(thrice.extensions?.listFields, 24);
  await refusal(indexer.graphql.url, `{ ${aliases(21, '__schema { queryType { name } }')} }`, 'QUERY_TOO_BROAD');
  // __type's fields nest like entity lists: each level multiplies the answer by a type's fields.
  const nested = await refusal(indexer.graphql.url, '{ __type(name: "Space") { fields { type { fields { type { fields { type { fields { name } } } } } } } } }', 'QUERY_TOO_NESTED');
  assert.match(nested.message, /nests 4 lists of entities \(fields > fields > fields > fields\)/);
});

test('the settings raise the bounds, and a bad setting is refused by name', async () => {
  const query = `{ ${aliases(100, 'images(limit: 1000) { id name }')} }`;
  await refusal(indexer.graphql.url, query, 'QUERY_TOO_BROAD');
  const body = await gqlResponse(roomy.url, query);
  assert.equal(body.errors, undefined);
  assert.equal(body.data.a99.length, IMAGES);
  await refusal(roomy.url, `{ ${aliases(201, 'squidStatus { height }')} }`, 'QUERY_TOO_BROAD');
  assert.equal((await gqlResponse(roomy.url, `{ images { ${aliases(1000, 'name')} } }`)).data.images.length, IMAGES);
  assert.equal(maxListFieldsFromEnv({}), 20);
  assert.equal(maxFieldsFromEnv({ GQL_MAX_FIELDS: ' 50 ' }), 50);
  assert.throws(() => maxListFieldsFromEnv({ GQL_MAX_LIST_FIELDS: 'many' }), /GQL_MAX_LIST_FIELDS="many" is not a whole number of at least 1/);
  assert.throws(() => maxFieldsFromEnv({ GQL_MAX_FIELDS: '0' }), /GQL_MAX_FIELDS="0" is not a whole number of at least 1/);
  const { SETTINGS } = await import('../../src/config/schema');
  assert.equal(SETTINGS['graphql.maxListFields']?.env, 'GQL_MAX_LIST_FIELDS');
  assert.equal(SETTINGS['graphql.maxFields']?.env, 'GQL_MAX_FIELDS');
});

/** The queries the gateway sends (src/gateway), as its source writes them, and those it builds (a pull's record lists). */
function gatewayQueries(): string[] {
  const built = [true, false].flatMap((withOwner) => [manifestRecordsQuery(withOwner), digestRecordsQuery(withOwner)]);
  return ['src/gateway/resolve/graphql-index.ts', 'src/gateway/artifacts/catalog.ts'].flatMap((file) => {
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    const constants = new Map([...source.matchAll(/const (\w+_FIELDS) = (['`])([\s\S]*?)\2;/g)].map((m) => [m[1], m[3]]));
    return [...source.matchAll(/#query<[\s\S]*?>\(\s*(['`])([\s\S]*?)\1/g)].map((m) =>
      m[2].replace(/\$\{(\w+_FIELDS)\}/g, (_, name: string) => constants.get(name)!).replace(/\$\{(owner|ownerWhere\([^)]*\))\}/g, '{ id_eq: "1" }'));
  }).concat(built);
}

test('what the web page, the CLI, the gateway and the documented examples send answers', async () => {
  const url = indexer.graphql.url;
  const ok = async (query: string, variables?: Record<string, unknown>) => {
    const body = await gqlResponse(url, query, variables);
    assert.equal(body.errors, undefined, `${query.slice(0, 80)}: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  assert.equal((await ok(web.SPACE_DETAIL, { id: spaceId })).spaceById.images.length, IMAGES);
  await ok(web.RECENT, { limit: 10 });
  await ok(web.SEARCH, { text: 'img' });
  await ok(web.MY_SPACES, { me: a.eve.address });
  await ok(web.SPACE_ARTIFACTS, { id: spaceId });
  await ok(web.TAG_CONTENTS, { tagIds: [] });
  await ok(web.INDEX_HEIGHT);
  const doc = readFileSync(path.join(ROOT, 'docs/graphql-examples.md'), 'utf8');
  const examples = [...doc.matchAll(/^## (.+)$[\s\S]*?```graphql\n([\s\S]*?)```/gm)].map((m) => m[2]);
  assert.ok(examples.length >= 15);
  for (const query of examples) await ok(query);
  // The console's introspection, with every option it may ask for.
  const schema = await ok(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }));
  // The gateway's queries take variables it fills at run time: checked against the same rules.
  const queries = gatewayQueries();
  assert.equal(queries.length, 14);
  const rules = [...specifiedRules, listNestingRule(3), queryBreadthRule(maxListFieldsFromEnv({}), maxFieldsFromEnv({}))];
  for (const query of queries) assert.deepEqual(validate(buildClientSchema(schema), parse(query), rules).map((e) => e.message), [], query);
});
