// Lists nested in lists multiply an answer's rows, and anyone can give a space as many images as
// they like: `images { space { images { space { images … } } } }` made one request cost the GraphQL
// server minutes and hundreds of MB (src/indexer/graphql-list-nesting.ts). Here, against the real
// server and a real index, a query nesting four lists is refused before any SQL runs, naming the
// path and the setting, however it hides the nesting (fragments, inline fragments, aliases); the
// deepest queries the web page makes, and introspection, still answer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getIntrospectionQuery } from 'graphql';
import { SPACE_DETAIL } from '../../src/web/queries';
import { gqlResponse } from './helpers/graphql';
import type { TestIndexer } from './helpers/indexer';
import { indexWideSpace, type WideSpaceIndex } from './helpers/wide-space';

let wide: WideSpaceIndex;
let indexer: TestIndexer;
let spaceId: string;

const IMAGES = 20;

before(async () => {
  wide = await indexWideSpace('list_nesting', IMAGES);
  ({ indexer, spaceId } = wide);
});

after(async () => {
  await wide?.close();
});

const refusal = async (query: string) => {
  const body = await gqlResponse(indexer.graphql.url, query);
  assert.equal(body.data, undefined, 'nothing is answered');
  const [error] = body.errors ?? [];
  assert.ok(error, `expected a refusal, got ${JSON.stringify(body).slice(0, 200)}`);
  assert.equal(error.extensions?.code, 'QUERY_TOO_NESTED');
  assert.match(error.message, /nests [45] lists of entities .*at most 3 may nest.*GQL_MAX_LIST_NESTING/);
  return error.message;
};

test('a query nesting four lists of entities is refused, naming the path', async () => {
  const message = await refusal('{ images { space { images { space { images { space { images { id } } } } } } } }');
  assert.match(message, /\(images > images > images > images\)/);
});

test('nesting hidden in fragments, inline fragments and aliases is counted too', async () => {
  await refusal(`query { spaces { ...Images } }
    fragment Images on Space { a: images { space { ... on Space { b: images { tags { history { id } } } } } } }`);
  await refusal(`query { spaceById(id: "${spaceId}") { ...L1 } }
    fragment L1 on Space { images { ...L2 } }
    fragment L2 on Image { space { members { account { ...L3 } } } }
    fragment L3 on Account { manifests { tagUpdates: image { tags { id } } } }`);
});

test('queries nesting three lists, as the web page makes them, still answer', async () => {
  const detail = await indexer.query(SPACE_DETAIL, { id: spaceId });
  assert.equal(detail.spaceById.images.length, IMAGES);
  assert.equal(detail.spaceById.images[0].tags[0].history.length, 1);
  const three = await indexer.query('{ images { space { images { space { images { id } } } } } }');
  assert.equal(three.images.length * three.images[0].space.images.length * three.images[0].space.images[0].space.images.length, IMAGES ** 3);
  // The console and schema tools still introspect (types > fields > args: three lists).
  const schema = await indexer.query(getIntrospectionQuery());
  assert.ok(schema.__schema.types.length > 10);
});
