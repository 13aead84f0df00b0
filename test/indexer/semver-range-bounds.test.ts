// A semver range is matched against every listed version, each tested against each of its `||`
// alternatives, in the GraphQL server's one thread, beyond the reach of the SQL statement
// timeout. A range as long as a request body (256 kB, 10,000 alternatives) cost about 0.9 ms per
// version tested, so one request naming it in 20 aliases over 10,000 versions held the server for
// everyone for minutes. A range is now at most 256 characters (src/server-extension/versions.ts),
// and one longer is the client's error, answered before any version is read.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ArtifactResolver } from '../../src/server-extension/resolvers';
import { MAX_RANGE_LENGTH } from '../../src/server-extension/versions';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { artifactStandIn, type StandInRow } from './helpers/artifact-stand-in';
import { gqlResponse } from './helpers/graphql';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';

let chain: TestChain;
let pg: TestPostgres;
let indexer: TestIndexer;

before(async () => {
  chain = await startTestChain();
  pg = await startTestPostgres();
  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl: await pg.newDatabase('semver_range_bounds') });
});

after(async () => {
  await indexer?.close();
  await pg?.close();
  await chain?.close();
});

/** A valid range of `alternatives` alternatives, none matching an ordinary version. */
const longRange = (alternatives: number) => Array.from({ length: alternatives }, (_, i) => `>=${i + 1000}.0.0 <${i + 1000}.0.1`).join(' || ');

test('a range longer than 256 characters is the client\'s error, in every query that takes one', async () => {
  assert.equal(MAX_RANGE_LENGTH, 256);
  const range = longRange(8_000);
  assert.ok(range.length > 150_000 && range.length < 250_000, `${range.length} characters, within a request body`);
  const queries = [
    'query($r: String) { artifactVersions(range: $r) { version } }',
    'query($r: String) { artifacts { name versions(range: $r) { version } } }',
  ];
  for (const query of queries) {
    const response = await gqlResponse(indexer.graphql.url, query, { r: range });
    if (query.includes('artifactVersions')) {
      assert.equal(response.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(response).slice(0, 300));
      assert.match(response.errors![0].message, /characters long; write one of at most 256/);
      assert.ok(response.errors![0].message.length < 400, 'the answer does not quote the whole range back');
    } else {
      // No artifact is listed here, so no `versions` field is resolved: nothing to refuse.
      assert.deepEqual(response.data, { artifacts: [] });
    }
  }
});

test('a range of 256 characters is still taken', async () => {
  const alternatives: string[] = [];
  while ([...alternatives, `${alternatives.length + 1000}.x`].join(' || ').length <= MAX_RANGE_LENGTH) alternatives.push(`${alternatives.length + 1000}.x`);
  const [first, ...rest] = alternatives;
  const unpadded = alternatives.join(' || ');
  // Spaces inside the range count; those around it do not.
  const range = `${first}${' '.repeat(MAX_RANGE_LENGTH - unpadded.length)} || ${rest.join(' || ')}`;
  assert.equal(range.length, MAX_RANGE_LENGTH);
  const response = await gqlResponse(indexer.graphql.url, 'query($r: String) { artifactVersions(range: $r) { version } }', { r: `  ${range}  ` });
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  assert.deepEqual(response.data, { artifactVersions: [] });
});

test('versions matched against a long range are refused at once, not tested one by one', async () => {
  const rows: StandInRow[] = Array.from({ length: 5_000 }, (_, v) => ({
    tagId: `t:${v}`, version: `1.${v}.0`, artifactId: 'tool', name: 'tool', spaceName: 'acme', updatedAtBlock: 1, updatedAt: new Date(0),
    artifactType: 'application/x.tool', versionHex: '0x', digest: `sha256:${'0'.repeat(64)}`, createdAt: new Date(0), createdAtBlock: 1, nameHex: '0x',
    spaceId: 's', isNameOwner: true, owner: 'o', mediaType: 'application/vnd.oci.image.manifest.v1+json', cid: 'bafy', size: 1, totalSize: '1', annotations: null, files: null, platforms: null,
  }));
  const resolver = new ArtifactResolver(async () => artifactStandIn(rows).manager);
  const range = longRange(10_000);
  const started = Date.now();
  await assert.rejects(resolver.artifactVersions(null, null, null, null, null, range, false, 1, 0, { openreader: {} }), /at most 256/);
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 1_000, `5,000 versions took ${elapsed} ms to answer`);
});
