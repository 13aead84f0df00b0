// Versions are tags, and a version's labels, files and platforms are as large as its manifest (up
// to the 4 MiB the content indexer reads). Rows were bounded, bytes were not: anyone could point
// many tags of their own space at one manifest holding a huge annotation, and
// `artifactVersions(limit: 1000) { version }` (2,000 rows, within every bound) read a copy of it
// per tag from Postgres into the GraphQL server's memory, 4 GB for one request. The manifests'
// sizes are now summed over what an answer would read, per request, before any content is read
// (src/server-extension/content-budget.ts). Rows are written by SQL, as the processor and the
// content indexer leave them, against a migrated database; the resolvers run their own SQL on it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Pool } from 'pg';
import type { EntityManager } from 'typeorm';
import { runMigrations } from '../../src/indexer/migrations';
import { DEFAULT_MAX_CONTENT_BYTES } from '../../src/server-extension/content-budget';
import { ArtifactResolver } from '../../src/server-extension/resolvers';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';

const HUGE = 2 * 1024 * 1024;
const TAGS = 40;

let pg: TestPostgres;
let pool: Pool;
/** Characters of annotations and platforms the resolvers were handed by Postgres. */
let contentRead = 0;

const digestOf = (seed: string) => `sha256:${createHash('sha256').update(seed).digest('hex')}`;
const hexOf = (text: string) => `0x${Buffer.from(text, 'utf8').toString('hex')}`;

/** The resolvers' EntityManager: the pool, counting the content each statement hands back. */
const manager = {
  query: async (sql: string, params: unknown[]) => {
    const { rows } = await pool.query(sql, params);
    for (const row of rows) {
      if (row.annotations) contentRead += JSON.stringify(row.annotations).length;
      if (row.platforms) contentRead += (row.platforms as string[]).join('').length;
    }
    return rows;
  },
} as unknown as EntityManager;
const resolver = new ArtifactResolver(async () => manager);

async function space(id: string, name: string): Promise<void> {
  await pool.query(`INSERT INTO account (id, public_key) VALUES ($1, $2)`, [`owner-${id}`, `owner-${id}`]);
  await pool.query(
    `INSERT INTO space (id, name, name_hex, member_count, image_count, tag_count, manifest_count, digest_info_count, block_number, block_hash, timestamp, updated_at_block, updated_at, owner_id, is_name_owner)
     VALUES ($1, $2, $3, 1, 1, 0, 0, 0, 1, '0x', now(), 1, now(), $4, true)`,
    [id, name, hexOf(name), `owner-${id}`],
  );
  await pool.query(
    `INSERT INTO image (id, name, name_hex, tag_count, manifest_count, created_at_block, created_at, updated_at_block, updated_at, space_id)
     VALUES ($1, 'tool', $2, 0, 0, 1, now(), 1, now(), $3)`,
    [`${id}/tool`, hexOf('tool'), id],
  );
}

/** Tags `1.0.<i>` of the space's image `tool`, all pointing at `digest`; returns their ids. */
async function tags(spaceId: string, digest: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${spaceId}/tool/1.0.${i}`);
  await pool.query(
    `INSERT INTO tag (id, name, name_hex, digest, digest_hex, update_count, created_at_block, created_at, updated_at_block, updated_at, space_id, image_id)
     SELECT id, split_part(id, '/', 3), '0x', $2, $3, 1, 1, now(), 1, now(), $4, $5 FROM unnest($1::text[]) AS id`,
    [ids, digest, hexOf(digest), spaceId, `${spaceId}/tool`],
  );
  return ids;
}

/** An indexed manifest of `size` bytes with these annotations (an artifact) or platforms (an index). */
async function content(digest: string, size: number, facts: { annotations?: Record<string, string>; platforms?: string[] }): Promise<void> {
  await pool.query(
    `INSERT INTO manifest_content (id, digest, state, attempts, last_record_block, discovered_at, cid, media_type, kind, artifact_type, size, annotations, platforms)
     VALUES ($1, $2, 'indexed', 0, 1, now(), 'bafy', 'application/vnd.oci.image.manifest.v1+json', $3, 'application/x.tool', $4, $5, $6)`,
    [hexOf(digest), digest, facts.platforms ? 'index' : 'image', size, facts.annotations ? JSON.stringify(facts.annotations) : null, facts.platforms ?? null],
  );
}

let hugeTags: string[];
let indexTags: string[];

before(async () => {
  pg = await startTestPostgres();
  const dbUrl = await pg.newDatabase('artifact_content_bytes');
  await runMigrations(dbUrl);
  pool = new Pool({ connectionString: dbUrl, max: 2 });
  // A stranger's space: many tags at one manifest holding a 2 MiB annotation, and many at an
  // index whose one platform is 2 MiB long.
  await space('1', 'mallory');
  const huge = digestOf('huge');
  await content(huge, HUGE + 300, { annotations: { note: 'x'.repeat(HUGE) } });
  hugeTags = await tags('1', huge, TAGS);
  const index = digestOf('index');
  await content(index, HUGE + 300, { platforms: [`linux/${'y'.repeat(HUGE)}`] });
  // Tags of an index are no artifact versions here (the row has an artifactType, but they are
  // another image's): kept apart in a space of their own.
  await space('2', 'indexes');
  indexTags = await tags('2', index, TAGS);
  // An owner's ordinary artifact: a thousand versions of a manifest of 2 kB.
  await space('3', 'acme');
  const ordinary = digestOf('ordinary');
  await content(ordinary, 2_000, { annotations: { 'org.opencontainers.image.description': 'a tool' } });
  await tags('3', ordinary, 1000);
});

after(async () => {
  await pool?.end();
  await pg?.close();
});

const tooLarge = (error: unknown) => {
  const { extensions, message } = error as { extensions?: { code?: string }; message: string };
  assert.equal(extensions?.code, 'RESPONSE_TOO_LARGE', message);
  assert.match(message, /MiB of manifest content .*smaller `limit`.*GQL_MAX_CONTENT_BYTES/);
  return true;
};

test('versions of many tags at one huge manifest are refused before their content is read', async () => {
  contentRead = 0;
  await assert.rejects(resolver.artifactVersions('mallory', null, null, null, null, null, false, TAGS, 0, { openreader: {} }), tooLarge);
  assert.equal(contentRead, 0, `${contentRead} characters of content were read for a refused answer`);
});

test('artifacts whose shown versions share one huge manifest are refused before their content is read', async () => {
  contentRead = 0;
  await assert.rejects(resolver.artifacts('mallory', null, null, null, null, null, false, 50, 0, { openreader: {} }), tooLarge);
  assert.equal(contentRead, 0, `${contentRead} characters of content were read for a refused answer`);
});

test("tag contents of many tags at an index with a huge platform are refused before it is read", async () => {
  contentRead = 0;
  await assert.rejects(resolver.tagContents(indexTags, { openreader: {} }), tooLarge);
  assert.equal(contentRead, 0, `${contentRead} characters of content were read for a refused answer`);
});

test('the bound is per request: pages within it are answered, until the request has read its share', async () => {
  const request = { openreader: {} };
  const perPage = Math.floor(DEFAULT_MAX_CONTENT_BYTES / (HUGE + 300) / 2);
  const first = await resolver.artifactVersions('mallory', null, null, null, null, null, false, perPage, 0, request);
  assert.equal(first.length, perPage);
  assert.equal(first[0].labels[0].value.length, HUGE, 'a page within the bound carries its content');
  await resolver.artifactVersions('mallory', null, null, null, null, null, false, perPage, perPage, request);
  await assert.rejects(resolver.artifactVersions('mallory', null, null, null, null, null, false, perPage, 2 * perPage, request), tooLarge);
  assert.equal((await resolver.tagContents(hugeTags.slice(0, 3), { openreader: {} })).length, 3, 'an image manifest carries no platforms: nothing to bound');
});

test("an owner's ordinary listing of a thousand versions is answered whole", async () => {
  const versions = await resolver.artifactVersions('acme', null, null, null, null, null, false, 1000, 0, { openreader: {} });
  assert.equal(versions.length, 1000);
  assert.equal(versions[0].description, 'a tool');
  const [artifact] = await resolver.artifacts('acme', null, null, null, null, null, false, 50, 0, { openreader: {} });
  assert.equal(artifact.versionCount, 1000);
});
