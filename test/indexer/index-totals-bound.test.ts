// An index's total size is summed over its children once all of them are indexed. The content
// indexer did that after every pass that indexed anything by expanding the children of every
// indexed index still without a total, and anyone can push an index listing tens of thousands of
// made-up digests, never indexed, so never summed: a hundred of those meant millions of child
// lookups on every pass, for everyone. A pass now examines only the indexes it indexed and those
// listing a child it indexed, found through a GIN index on `children`
// (src/content-index/content-tables.ts, db/migrations/1796329046852-ContentChildren.search.js).
// Rows are written here by SQL, as the content indexer leaves them, against a migrated database.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Pool } from 'pg';
import { ensureStatus, parentLookup, sumIndexTotals } from '../../src/content-index/content-tables';
import { runMigrations } from '../../src/indexer/migrations';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';

const FLOOD_INDEXES = 60;
const FLOOD_CHILDREN = 3_000;

let pg: TestPostgres;
let pool: Pool;

before(async () => {
  pg = await startTestPostgres();
  const dbUrl = await pg.newDatabase('index_totals_bound');
  await runMigrations(dbUrl);
  // One connection: the statistics of the children it reads are that backend's (toastBlocks).
  pool = new Pool({ connectionString: dbUrl, max: 1 });
  await ensureStatus(pool, 'http://ipfs.invalid');
});

after(async () => {
  await pool?.end();
  await pg?.close();
});

const digestOf = (seed: string) => `sha256:${createHash('sha256').update(seed).digest('hex')}`;
const idOf = (digest: string) => `0x${Buffer.from(digest, 'utf8').toString('hex')}`;
const childEntry = (digest: string) => ({ digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: '500', platform: 'linux/amd64', artifactType: null });

/** An image manifest indexed now, with its total (config and layers). */
async function indexImage(digest: string, total: number): Promise<string> {
  await pool.query(
    `INSERT INTO manifest_content (id, digest, state, attempts, last_record_block, discovered_at, kind, total_size)
     VALUES ($1, $2, 'indexed', 0, 0, now(), 'image', $3)
     ON CONFLICT (id) DO UPDATE SET state = 'indexed', kind = 'image', total_size = EXCLUDED.total_size`,
    [idOf(digest), digest, total],
  );
  return idOf(digest);
}

/** An index manifest indexed now: no total, its children pending unless known already (as writeResult leaves them). */
async function indexIndex(digest: string, children: string[]): Promise<string> {
  await pool.query(
    `INSERT INTO manifest_content (id, digest, state, attempts, last_record_block, discovered_at, kind, children)
     VALUES ($1, $2, 'indexed', 0, 0, now(), 'index', $3)
     ON CONFLICT (id) DO UPDATE SET state = 'indexed', kind = 'index', total_size = NULL, children = EXCLUDED.children`,
    [idOf(digest), digest, JSON.stringify(children.map(childEntry))],
  );
  for (const child of children) {
    await pool.query(`INSERT INTO manifest_content (id, digest, state, attempts, last_record_block, discovered_at) VALUES ($1, $2, 'pending', 0, 0, now()) ON CONFLICT (id) DO NOTHING`, [idOf(child), child]);
  }
  return idOf(digest);
}

/**
 * Blocks of manifest_content's TOAST table read so far, where the children of large indexes are
 * kept: reading an index's children reads them. The backend's counts are flushed first.
 */
async function toastBlocks(): Promise<number> {
  await pool.query('SELECT pg_stat_force_next_flush()');
  const { rows: [row] } = await pool.query(
    `SELECT coalesce(toast_blks_read, 0) + coalesce(toast_blks_hit, 0) AS blocks FROM pg_statio_user_tables WHERE relname = 'manifest_content'`,
  );
  return Number(row.blocks);
}

const totalOf = async (digest: string): Promise<string | null> =>
  (await pool.query('SELECT total_size AS total FROM manifest_content WHERE id = $1', [idOf(digest)])).rows[0]?.total ?? null;

test('an index\'s total is summed on the pass that indexes its last child, not before', async () => {
  const [a, b, c] = ['last-a', 'last-b', 'last-c'].map(digestOf);
  const index = digestOf('last-index');
  assert.deepEqual(await sumIndexTotals(pool, [await indexIndex(index, [a, b, c])]), { set: 0, examined: 1 }, 'no child indexed yet');
  assert.deepEqual(await sumIndexTotals(pool, [await indexImage(a, 100), await indexImage(b, 20)]), { set: 0, examined: 1 }, 'one child still pending');
  assert.equal(await totalOf(index), null);
  assert.deepEqual(await sumIndexTotals(pool, [await indexImage(c, 3)]), { set: 1, examined: 1 });
  assert.equal(await totalOf(index), '123');
  assert.deepEqual(await sumIndexTotals(pool, [idOf(c)]), { set: 0, examined: 0 }, 'a total is set once; the index is not examined again');
});

test('an index indexed after its children is summed on the pass that indexes it', async () => {
  const [a, b] = ['after-a', 'after-b'].map(digestOf);
  const index = digestOf('after-index');
  await sumIndexTotals(pool, [await indexImage(a, 7), await indexImage(b, 8)]);
  assert.deepEqual(await sumIndexTotals(pool, [await indexIndex(index, [a, b])]), { set: 1, examined: 1 });
  assert.equal(await totalOf(index), '15');
});

test('a child that is no indexed manifest keeps its index without a total', async () => {
  const [a, broken] = ['invalid-a', 'invalid-broken'].map(digestOf);
  const index = digestOf('invalid-index');
  await indexIndex(index, [a, broken]);
  await pool.query(`UPDATE manifest_content SET state = 'invalid' WHERE id = $1`, [idOf(broken)]);
  assert.deepEqual(await sumIndexTotals(pool, [await indexImage(a, 1), idOf(index)]), { set: 0, examined: 1 });
  assert.equal(await totalOf(index), null);
});

test('an index of indexes is summed in the same pass as the index its last child completes', async () => {
  const [a, b] = ['nested-a', 'nested-b'].map(digestOf);
  const inner = digestOf('nested-inner');
  const outer = digestOf('nested-outer');
  const other = digestOf('nested-other');
  await indexIndex(outer, [inner, other]);
  await indexIndex(inner, [a, b]);
  await sumIndexTotals(pool, [idOf(outer), idOf(inner), await indexImage(other, 1000), await indexImage(a, 10)]);
  assert.equal(await totalOf(outer), null);
  assert.deepEqual(await sumIndexTotals(pool, [await indexImage(b, 5)]), { set: 2, examined: 2 });
  assert.deepEqual([await totalOf(inner), await totalOf(outer)], ['15', '1015']);
});

test('a flood of indexes of made-up children is not expanded on a pass that indexed something else', async () => {
  // Indexes of thousands of digests no one recorded, as anyone can push, indexed and never summed;
  // one of them also lists a real image, indexed later. Their children have pending rows, as
  // writeResult gives them.
  const real = digestOf('flood-real');
  await pool.query(
    `WITH flood AS (
       SELECT i, 'sha256:' || encode(sha256(('flood-index-' || i)::bytea), 'hex') AS digest,
              (SELECT jsonb_agg(jsonb_build_object('digest', 'sha256:' || encode(sha256(('made-up-' || i || '-' || j)::bytea), 'hex'),
                                                   'mediaType', 'application/vnd.oci.image.manifest.v1+json', 'size', '500', 'platform', 'linux/amd64', 'artifactType', null))
                 FROM generate_series(1, $1::int) j) AS children
         FROM generate_series(1, $2::int) i)
     INSERT INTO manifest_content (id, digest, state, attempts, last_record_block, discovered_at, kind, children)
     SELECT '0x' || encode(convert_to(digest, 'UTF8'), 'hex'), digest, 'indexed', 0, 0, now(), 'index',
            CASE WHEN i = 1 THEN children || jsonb_build_array(jsonb_build_object('digest', $3::text)) ELSE children END
       FROM flood`,
    [FLOOD_CHILDREN, FLOOD_INDEXES, real],
  );
  await pool.query(
    `INSERT INTO manifest_content (id, digest, state, attempts, last_record_block, discovered_at)
     SELECT '0x' || encode(convert_to(e->>'digest', 'UTF8'), 'hex'), e->>'digest', 'pending', 0, 0, now()
       FROM manifest_content p, jsonb_array_elements(p.children) e WHERE p.kind = 'index'
     ON CONFLICT (id) DO NOTHING`,
  );
  await pool.query('ANALYZE manifest_content');
  const floodBlocks = await pool.query(`SELECT pg_relation_size(reltoastrelid) / current_setting('block_size')::int AS blocks FROM pg_class WHERE relname = 'manifest_content'`);
  const oneIndexBlocks = Number(floodBlocks.rows[0].blocks) / FLOOD_INDEXES;

  // A pass that indexed an unrelated image reads no index's children, and examines no index.
  const unrelated = await indexImage(digestOf('flood-unrelated'), 42);
  let before = await toastBlocks();
  const unrelatedPass = await sumIndexTotals(pool, [unrelated]);
  assert.equal(await toastBlocks() - before, 0, `no index's children are read (the flood's are ${Math.round(oneIndexBlocks * FLOOD_INDEXES)} blocks)`);
  assert.deepEqual(unrelatedPass, { set: 0, examined: 0 });
  // A pass that indexed the real child examines the one index listing it, of all the flood.
  const realId = await indexImage(real, 42);
  before = await toastBlocks();
  const realPass = await sumIndexTotals(pool, [realId]);
  const read = await toastBlocks() - before;
  assert.ok(read < 3 * oneIndexBlocks, `the children of one index are read, not of all ${FLOOD_INDEXES} (${read} blocks; one index's about ${Math.round(oneIndexBlocks)})`);
  assert.deepEqual(realPass, { set: 0, examined: 1 });
  // A pass that indexed an index examines that index only.
  const [a] = ['flood-a'].map(digestOf);
  const index = digestOf('flood-index');
  await indexImage(a, 9);
  assert.deepEqual(await sumIndexTotals(pool, [await indexIndex(index, [a])]), { set: 1, examined: 1 });

  // The parent lookup is served by the GIN index on children, not by reading every index's children.
  const lookup = parentLookup([real, a, digestOf('flood-unrelated')]);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // As sumIndexTotals runs it (see there): the planner does not count the children's TOAST.
    await client.query('SET LOCAL enable_seqscan = off');
    const plan = JSON.stringify((await client.query(`EXPLAIN (FORMAT JSON) ${lookup.text}`, lookup.values)).rows[0]);
    assert.match(plan, /"Index Name":"IDX_manifest_content_children"/, plan);
    assert.doesNotMatch(plan, /"Node Type":"Seq Scan"/, plan);
    // The lookup finds what it should: the flood index listing the real child (its total unset).
    const { rows } = await client.query(lookup);
    assert.deepEqual(rows.map((row) => row.id), [idOf(`sha256:${createHash('sha256').update('flood-index-1').digest('hex')}`)]);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

test('after a restart every index without a total is looked at once, and a complete one is summed', async () => {
  // Rows indexed just before a restart were never summed: the first pass sums everything.
  const [a, b] = ['restart-a', 'restart-b'].map(digestOf);
  const index = digestOf('restart-index');
  await indexImage(a, 1);
  await indexImage(b, 2);
  await indexIndex(index, [a, b]);
  const { rows: [{ open }] } = await pool.query(`SELECT count(*)::int AS open FROM manifest_content WHERE kind = 'index' AND state = 'indexed' AND total_size IS NULL`);
  assert.deepEqual(await sumIndexTotals(pool, 'all'), { set: 1, examined: open });
  assert.equal(await totalOf(index), '3');
});
