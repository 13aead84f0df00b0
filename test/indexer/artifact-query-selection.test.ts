// The artifact queries do the work the query asks for, run through the schema the GraphQL server
// builds from src/server-extension (real selections, aliases, variables and defaults), over a
// stand-in database that counts the rows it hands out with manifest content:
// - a version's files and labels were counted against the row budget (GQL_MAX_RESPONSE_ROWS)
//   whether or not the query selected them, so `artifactVersions { version }` over versions of
//   many files was refused as too large; now what is selected is counted;
// - `artifacts` read the manifest content of every version of each artifact on its page, so one
//   artifact with thousands of tags made every listing that showed it read them all; now only its
//   latest version and the versions its `versions` selections show are read.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { type ExecutionResult, type GraphQLSchema, execute, parse } from 'graphql';
import { artifactStandIn } from './helpers/artifact-stand-in';
import { rowBudgetOf, setMaxResponseRows } from '../../src/indexer/graphql-response-rows';

const { loadCustomResolvers } = require('@subsquid/graphql-server/lib/resolvers') as { loadCustomResolvers(mod: string): Promise<GraphQLSchema> };

const MAX_ROWS = 200;
setMaxResponseRows(MAX_ROWS);

interface Row { tagId: string; version: string; artifactId: string; [column: string]: unknown }

const row = (artifact: string, v: number, files: number): Row => ({
  tagId: `${artifact}:${v}`, version: `0.0.${v}`, versionHex: '0x', digest: `sha256:${'0'.repeat(64)}`,
  createdAt: new Date(0), createdAtBlock: 1, updatedAt: new Date(1_000 * v), updatedAtBlock: v,
  artifactId: artifact, name: artifact, nameHex: '0x', spaceId: 's', spaceName: 'acme', isNameOwner: true, owner: 'o',
  artifactType: 'application/x.tool', mediaType: 'application/vnd.oci.image.manifest.v1+json', cid: 'bafy', size: 100, totalSize: '1',
  annotations: { a: '1', b: '2', c: '3', d: '4', e: '5' },
  files: Array.from({ length: files }, (_, f) => ({ title: `f${f}`, mediaType: 'x', digest: `d${f}`, size: '1' })),
  platforms: null,
});


let schema: GraphQLSchema | undefined;

/** Runs `query` as the server does, one request (and row budget) per call. */
async function run(rows: Row[], query: string, variableValues?: Record<string, unknown>) {
  schema ??= await loadCustomResolvers(path.join(__dirname, '..', '..', 'src', 'server-extension', 'resolvers', 'index.ts'));
  const { manager, handed } = artifactStandIn(rows);
  const openreader = { getEntityManager: async () => manager };
  // As the answer reaches a client: plain JSON (GraphQL builds it from null-prototype objects).
  const result = JSON.parse(JSON.stringify(await execute({ schema, document: parse(query), contextValue: { openreader }, variableValues }))) as ExecutionResult<any>;
  return { result, handed, rowsCharged: rowBudgetOf(openreader).used };
}

const versionsOf = (artifact: string, count: number, files: number) => Array.from({ length: count }, (_, v) => row(artifact, v, files));

test('versions are counted as selected: files and labels only where the query asks for them', async () => {
  // 50 versions of 20 files and 5 labels: 1,350 objects if all were counted, 50 rows as asked.
  const rows = versionsOf('tool', 50, 20);
  const plain = await run(rows, '{ artifactVersions(limit: 50) { version semver } }');
  assert.equal(plain.result.errors, undefined, JSON.stringify(plain.result.errors));
  assert.equal(plain.result.data.artifactVersions.length, 50);
  assert.equal(plain.rowsCharged, 50);

  const withSpace = await run(rows, '{ artifactVersions(limit: 40) { version space { name } } }');
  assert.equal(withSpace.result.errors, undefined);
  assert.equal(withSpace.rowsCharged, 80, 'each version and its space');

  const withFiles = await run(rows, '{ artifactVersions(limit: 50) { version ...F } } fragment F on ArtifactVersion { files { digest } }');
  assert.equal(withFiles.result.errors?.[0]?.extensions?.code, 'RESPONSE_TOO_LARGE', 'files selected through a fragment count');

  const nested = await run(versionsOf('tool', 30, 20), '{ artifacts(limit: 1) { name versions(limit: 30) { version } } }');
  assert.equal(nested.result.errors, undefined, JSON.stringify(nested.result.errors));
  assert.equal(nested.rowsCharged, 1 + 30, 'the artifact and its versions, no files or labels');

  const twice = await run(versionsOf('tool', 30, 0), '{ artifacts(limit: 1) { name a: versions(limit: 30) { version labels { key } } b: versions(limit: 30) { version } } }');
  assert.equal(twice.result.errors?.[0]?.extensions?.code, 'RESPONSE_TOO_LARGE', 'each alias is rows of its own: 1 + 30 × 6 + 30');
});

test('a page of artifacts reads the content of the versions it shows, not of every version', async () => {
  const rows = versionsOf('crowded', 1_000, 2);
  const summary = await run(rows, '{ artifacts(limit: 1) { name versionCount kinds updatedAt latest { version } } }');
  assert.equal(summary.result.errors, undefined, JSON.stringify(summary.result.errors));
  assert.deepEqual(summary.result.data.artifacts, [{ name: 'crowded', versionCount: 1_000, kinds: ['application/x.tool'], updatedAt: new Date(999_000).toISOString(), latest: { version: '0.0.999' } }]);
  assert.equal(summary.handed.withContent, 1, 'the latest version alone');

  const paged = await run(rows, 'query($r: String) { artifacts(limit: 1) { versions(range: $r, limit: 2) { version files { digest } } top: versions(limit: 50) { version } } }', { r: '<0.0.10' });
  assert.equal(paged.result.errors, undefined, JSON.stringify(paged.result.errors));
  const [artifact] = paged.result.data.artifacts;
  assert.deepEqual(artifact.versions.map((v: any) => v.version), ['0.0.9', '0.0.8']);
  assert.deepEqual(artifact.versions[0].files, [{ digest: 'd0' }, { digest: 'd1' }]);
  assert.equal(artifact.top.length, 50);
  assert.equal(artifact.top[0].version, '0.0.999');
  assert.ok(paged.handed.withContent <= 1 + 2 + 50, `${paged.handed.withContent} versions read with content for 52 shown`);
  assert.equal(paged.rowsCharged, 1 + 2 * 3 + 50, 'the artifact, two versions with two files each, fifty without');

  const defaults = await run(rows, '{ artifacts(limit: 1) { versions { version } } }');
  assert.equal(defaults.result.data.artifacts[0].versions.length, 100, 'the default limit of versions');
  assert.ok(defaults.handed.withContent <= 100, `${defaults.handed.withContent} versions read with content for the first 100`);

  const badRange = await run(rows, '{ artifacts(limit: 1) { name versions(range: "not a range") { version } } }');
  assert.equal(badRange.result.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.deepEqual(badRange.result.errors?.[0]?.path, ['artifacts', 0, 'versions'], 'the field with the bad range is named');
  assert.equal(badRange.handed.withContent, 1);
});
