// OpenReader's own ManifestContent queries were bounded by rows, not bytes: a row holds its
// manifest's annotations, files, children and platforms, up to the 4 MiB the content indexer
// reads, and anyone can record many near-identical 4 MiB manifests (IPFS stores their shared
// chunks once). `manifestContents(limit: 1000) { annotations }` read all of them from Postgres into
// the GraphQL server, 4 GB, and it ran out of memory. The rows' manifest sizes are now summed before
// their content is read and charged to GQL_MAX_CONTENT_BYTES, the budget the artifact queries
// share (src/indexer/graphql-content-bytes.ts). Rows are written by SQL, as the content indexer
// leaves them, against a migrated database; the real server answers over HTTP, and its peak
// resident memory is read from /proc.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Pool } from 'pg';
import { loadModel } from '@subsquid/openreader/lib/tools';
import { runMigrations } from '../../src/indexer/migrations';
import { startGraphql, type GraphqlServer } from '../../src/indexer/graphql-server';
import { PROJECT_ROOT } from '../../src/indexer/project-paths';
import { DEFAULT_MAX_CONTENT_BYTES } from '../../src/server-extension/content-budget';
import { gqlResponse, type GraphqlResponse } from './helpers/graphql';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';

const MIB = 1024 * 1024;
/** The largest manifest the content indexer reads. */
const HUGE = 4 * MIB;
/** 256 MiB of annotations: within the row bound, 16 times the content bound. */
const HUGE_ROWS = 64;
const ORDINARY_ROWS = 300;

let pg: TestPostgres;
let pool: Pool;
let server: GraphqlServer;

/** Rows of indexed manifests, ids `<prefix>-<n>`, of `size` bytes holding these facts (SQL expressions). */
async function contentRows(prefix: string, count: number, artifactType: string, size: number, facts: { annotations?: string; files?: string; platforms?: string }): Promise<void> {
  await pool.query(
    `INSERT INTO manifest_content (id, digest, state, attempts, last_record_block, discovered_at, cid, media_type, kind, artifact_type, size, annotations, files, platforms)
     SELECT $1 || '-' || lpad(n::text, 4, '0'), 'sha256:' || md5($1 || n), 'indexed', 0, 1, now(), 'bafy', 'application/vnd.oci.image.manifest.v1+json',
            ${facts.platforms ? "'index'" : "'image'"}, $2, $3, ${facts.annotations ?? 'NULL'}, ${facts.files ?? 'NULL'}, ${facts.platforms ?? 'NULL'}
       FROM generate_series(1, $4) AS n`,
    [prefix, artifactType, size, count],
  );
}

/** The server's peak resident memory so far (VmHWM), in bytes. */
function peakMemory(): number {
  const status = readFileSync(`/proc/${server.process.pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  assert.ok(match, 'the server process reports its peak memory');
  return Number(match[1]) * 1024;
}

before(async () => {
  pg = await startTestPostgres();
  const dbUrl = await pg.newDatabase('openreader_content_bytes');
  await runMigrations(dbUrl);
  pool = new Pool({ connectionString: dbUrl, max: 2 });
  // A stranger's manifests, each one annotation (or, for indexes, one platform) of almost 4 MiB.
  await contentRows('huge', HUGE_ROWS, 'application/x.huge', HUGE, { annotations: `jsonb_build_object('note', repeat('x', ${HUGE - 300}))` });
  await contentRows('wide', 8, 'application/x.wide', HUGE, { platforms: `ARRAY['linux/' || repeat('y', ${HUGE - 300})]` });
  // Ordinary artifacts: manifests of about 2 kB with a description and a file.
  await contentRows('tool', ORDINARY_ROWS, 'application/x.tool', 2_000, {
    annotations: `jsonb_build_object('org.opencontainers.image.description', 'a tool ' || n, 'org.opencontainers.image.version', '1.0.' || n)`,
    files: `jsonb_build_array(jsonb_build_object('title', 'tool.tar.gz', 'mediaType', 'application/gzip', 'digest', 'sha256:' || md5('f' || n), 'size', '1234', 'annotations', NULL))`,
  });
  // Uncached and one client unbounded: every query reaches Postgres.
  server = await startGraphql({ dbUrl, port: 0, env: { GQL_RESPONSE_CACHE: 'off', GQL_MAX_CONCURRENT_PER_CLIENT: '0' } });
});

after(async () => {
  await server?.stop();
  await pool?.end();
  await pg?.close();
});

const ask = (query: string) => gqlResponse(server.url, query);

/** Asserts the request was refused for its content, naming the bound and the fix, and sent none of it. */
function assertTooLarge(response: GraphqlResponse<unknown>, fields: RegExp): void {
  const [error] = response.errors ?? [];
  assert.equal(error?.extensions?.code, 'RESPONSE_TOO_LARGE', JSON.stringify(response).slice(0, 300));
  assert.equal(error.extensions?.maxContentBytes, DEFAULT_MAX_CONTENT_BYTES);
  assert.match(error.message, /^This answer would read \d+\.\d MiB of manifest content \((.+)\), more than the 16\.0 MiB one answer may read: .*Ask for fewer: give the list a smaller `limit` and page with `offset` \(on connections, `first` and `after`\).*start the server with a larger GQL_MAX_CONTENT_BYTES\.$/);
  assert.match(error.message, fields);
  assert.equal(response.data ?? null, null, `no content is sent, got ${JSON.stringify(response.data).length} characters`);
}

test("a list of huge manifests' content is refused before it is read, and the server's memory stays bounded", async (t) => {
  const warmUp = await ask('{ manifestContents(limit: 2) { id size annotations } }');
  assert.equal(warmUp.errors, undefined, JSON.stringify(warmUp.errors));
  const before = peakMemory();
  const refused = await ask(`{ manifestContents(limit: 1000, where: { artifactType_eq: "application/x.huge" }) { id annotations } }`);
  const grown = peakMemory() - before;
  t.diagnostic(`the server's peak memory grew by ${(grown / MIB).toFixed(1)} MiB`);
  assertTooLarge(refused, /\(ManifestContent\.annotations of the rows asked for\)/);
  assert.match(refused.errors![0].message, /would read 256\.0 MiB/);
  // Unbounded, the 256 MiB of annotations were held as rows and again as the answer's JSON.
  assert.ok(grown < 64 * MIB, `the server's peak memory grew by ${(grown / MIB).toFixed(0)} MiB for a refused answer`);
});

test('connections, lookups by id and their aliases count against the one budget of the request', async () => {
  assertTooLarge(await ask('{ manifestContentsConnection(orderBy: id_ASC, first: 5, where: { artifactType_eq: "application/x.wide" }) { edges { node { id platforms } } } }'), /ManifestContent\.platforms/);
  // Lookups by id may each be null: those within the bound are answered, the rest refused.
  const byId = (aliases: number) => `{ ${Array.from({ length: aliases }, (_, i) => `a${i}: manifestContentById(id: "huge-${String(i + 1).padStart(4, '0')}") { id annotations files { title } }`).join(' ')} }`;
  const cut = await ask(byId(8));
  const answered = Object.values((cut.data ?? {}) as Record<string, unknown>).filter((row) => row !== null);
  assert.equal(answered.length, DEFAULT_MAX_CONTENT_BYTES / HUGE, 'as many as the bound holds are answered');
  assert.equal(cut.errors?.length, 8 - answered.length);
  for (const error of cut.errors ?? []) {
    assert.equal(error.extensions?.code, 'RESPONSE_TOO_LARGE');
    assert.match(error.message, /\(ManifestContent\.annotations, ManifestContent\.files of the rows asked for\)/);
  }
  const within = await ask(byId(3));
  assert.equal(within.errors, undefined, JSON.stringify(within.errors));
  // The root fields of one request share the bound: 12 MiB and 8 MiB (a connection reads one row more).
  const mixed = await ask('{ a: manifestContents(limit: 3, where: { artifactType_eq: "application/x.huge" }) { annotations } b: manifestContentsConnection(orderBy: id_ASC, first: 1, where: { artifactType_eq: "application/x.wide" }) { edges { node { platforms } } } }');
  assertTooLarge(mixed, /ManifestContent\.platforms/);
});

test('pages within the bound carry their content whole, and fields without content are not counted', async () => {
  const page = await ask('{ manifestContents(limit: 3, orderBy: id_ASC, where: { artifactType_eq: "application/x.huge" }) { id annotations } }');
  assert.equal(page.errors, undefined, JSON.stringify(page.errors));
  const rows = (page.data as { manifestContents: { annotations: { note: string } }[] }).manifestContents;
  assert.equal(rows.length, 3);
  assert.equal(rows[0].annotations.note.length, HUGE - 300);
  const next = await ask('{ manifestContentsConnection(orderBy: id_ASC, first: 2, where: { artifactType_eq: "application/x.wide" }) { edges { node { platforms } } pageInfo { hasNextPage } } }');
  assert.equal(next.errors, undefined, JSON.stringify(next.errors));
  const sizes = await ask('{ manifestContents(limit: 1000) { id size state artifactType lastError mismatchedCids } }');
  assert.equal(sizes.errors, undefined, JSON.stringify(sizes.errors));
  assert.equal((sizes.data as { manifestContents: unknown[] }).manifestContents.length, HUGE_ROWS + 8 + ORDINARY_ROWS);
});

test("a page of a few hundred ordinary manifests' content is answered whole", async () => {
  const response = await ask('{ manifestContents(limit: 1000, orderBy: id_ASC, where: { artifactType_eq: "application/x.tool" }) { id annotations files { title digest size } platforms children { digest } } }');
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  const rows = (response.data as { manifestContents: { annotations: Record<string, string>; files: { title: string }[] }[] }).manifestContents;
  assert.equal(rows.length, ORDINARY_ROWS);
  assert.equal(rows[0].annotations['org.opencontainers.image.description'], 'a tool 1');
  assert.equal(rows[0].files[0].title, 'tool.tar.gz');
});

test('no entity relates to ManifestContent, so only its own root queries read its content', () => {
  // The bound sizes the rows of ManifestContent's list, by-id and connection queries. A relation to
  // it (say Tag.content) would let a nested list read its rows unsized: extend
  // src/indexer/graphql-content-bytes.ts before adding one.
  const model = loadModel(path.join(PROJECT_ROOT, 'schema.graphql')) as Record<string, { properties?: Record<string, { type: unknown }> }>;
  const relating = Object.entries(model).flatMap(([type, { properties }]) =>
    Object.entries(properties ?? {})
      .filter(([, prop]) => type !== 'ManifestContent' && JSON.stringify(prop.type).includes('"entity":"ManifestContent"'))
      .map(([field]) => `${type}.${field}`),
  );
  assert.deepEqual(relating, []);
});
