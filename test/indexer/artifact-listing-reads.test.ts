// Artifact listings order versions by semver, which Postgres cannot do, so every version matching
// a filter is read. They were read whole, with their manifests' annotations, files and platforms:
// `artifactVersions(limit: 1)`, which anyone can ask again and again, cost the whole index's
// manifest content in the server's memory. Now only the columns ordering needs are read for every
// match, and the content for the page alone (src/server-extension/artifact-rows.ts). Here the
// database is a stand-in that serves many versions with large annotations and counts how many
// rows with content it hands out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArtifactResolver } from '../../src/server-extension/resolvers';
import { artifactStandIn } from './helpers/artifact-stand-in';

const ARTIFACTS = 300;
const VERSIONS = 5;

interface Row { tagId: string; version: string; artifactId: string; name: string; spaceName: string; updatedAtBlock: number; [column: string]: unknown }

const row = (name: string, tagId: string, version: string, note: string): Row => ({
  tagId, version, versionHex: '0x', digest: `sha256:${'0'.repeat(64)}`, createdAt: new Date(0), createdAtBlock: 1, updatedAt: new Date(0), updatedAtBlock: 1,
  artifactId: name, name, nameHex: '0x', spaceId: 's', spaceName: 'acme', isNameOwner: true, owner: 'o',
  artifactType: 'application/x.tool', mediaType: 'application/vnd.oci.image.manifest.v1+json', cid: 'bafy', size: 100, totalSize: '1',
  annotations: { note }, files: [{ title: 'a', mediaType: 'x', digest: 'd', size: '1' }], platforms: null,
});

const many: Row[] = [];
for (let a = 0; a < ARTIFACTS; a += 1) {
  const name = `tool-${String(a).padStart(3, '0')}`;
  for (let v = 0; v < VERSIONS; v += 1) many.push(row(name, `${name}:${v}`, `1.${v}.${a}`, 'x'.repeat(10_000)));
}

/** The resolver over a stand-in serving `rows`, counting the rows handed out with content. */
function standIn(rows: Row[] = many) {
  const { manager, handed } = artifactStandIn(rows);
  return { resolver: new ArtifactResolver(async () => manager), handed };
}

test('a page of artifact versions reads manifest content for the page only, in semver order', async () => {
  const { resolver, handed } = standIn();
  const page = await resolver.artifactVersions(null, null, null, null, null, null, false, 3, 0, { openreader: {} });
  assert.deepEqual(page.map((v) => v.version), ['1.4.299', '1.4.298', '1.4.297']);
  assert.equal(page[0].labels[0].value.length, 10_000, 'the page carries its content');
  assert.ok(handed.withContent <= 3, `${handed.withContent} rows with content were read for a page of 3`);
});

test('a page of artifacts reads manifest content for its artifacts only, each with all its versions', async () => {
  const { resolver, handed } = standIn();
  const page = await resolver.artifacts(null, null, null, null, null, null, false, 2, 10, { openreader: {} });
  assert.deepEqual(page.map((artifact) => artifact.name), ['tool-010', 'tool-011']);
  assert.deepEqual(page.map((artifact) => artifact.versionCount), [VERSIONS, VERSIONS]);
  assert.equal(page[0].latest.version, '1.4.10');
  assert.ok(handed.withContent <= 2 * VERSIONS, `${handed.withContent} rows with content were read for 2 artifacts`);
});

test('an artifact with more versions than a call may have arguments is listed', async () => {
  // Anyone can record this many tags for an artifact of their own; `Math.max(...times)` over them
  // overflowed the stack and failed every listing whose page held it.
  const crowded = Array.from({ length: 150_000 }, (_, v) => row('crowded', `crowded:${v}`, `0.0.${v}`, ''));
  const { resolver } = standIn(crowded);
  const [artifact] = await resolver.artifacts(null, null, null, null, null, null, false, 1, 0, { openreader: {} });
  assert.equal(artifact.versionCount, 150_000);
  assert.equal(artifact.latest.version, '0.0.149999');
});
