// The content indexer's SQL: which manifest digests the chain index holds, which of them are due
// for a read, where their bytes may be (every CID recorded for the digest), and the rows it
// writes (manifest_content, content_index_status). It reads the processor's tables and never
// writes them. Each write is its own short transaction, which also touches the status row: the
// GraphQL response cache keys answers by that row's version beside the processor's
// (src/indexer/graphql-response-cache.ts), so a cached answer never hides new content.
import type { Pool, PoolClient } from 'pg';
import type { ManifestFacts } from './manifest-facts';

export const STATUS_ID = '0';

export interface DueContent {
  id: string;
  digest: string | null;
  attempts: number;
  mismatchedCids: string[];
  /** The latest record of the digest seen when the row was taken (discover raises it). */
  lastRecordBlock: number;
}

/** Whether the migrations that create the content tables have run. */
export async function contentTablesExist(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query(`SELECT to_regclass('public.manifest_content') IS NOT NULL AND to_regclass('public.content_index_status') IS NOT NULL AS present`);
  return rows[0]?.present === true;
}

export async function ensureStatus(pool: Pool, ipfsApi: string): Promise<void> {
  await pool.query(
    `INSERT INTO content_index_status (id, ipfs_api, ipfs_reachable, discovered_to_block, updated_at) VALUES ($1, $2, true, -1, now())
     ON CONFLICT (id) DO UPDATE SET ipfs_api = EXCLUDED.ipfs_api, updated_at = now()`,
    [STATUS_ID, ipfsApi],
  );
}

/** The processor's finalized height (-1 before it has written one). */
async function finalizedHeight(client: PoolClient): Promise<number> {
  try {
    const { rows } = await client.query('SELECT height FROM squid_processor.status WHERE id = 0');
    return rows[0]?.height ?? -1;
  } catch {
    return -1;
  }
}

/**
 * The longest digest (in hex, `0x` included) that gets a row. Rows are keyed by the digest's hex,
 * and Postgres refuses a key above about 2.7 kB: a digest of several kB recorded on chain by
 * anyone failed this pass's INSERT every time, so no new manifest was ever discovered again. No
 * such digest can name bytes (a sha256 digest is 71 bytes); it gets no row, as it could only be
 * invalid. 1024 bytes, as the processor keeps as text (src/processor/bytes.ts).
 */
export const MAX_DIGEST_HEX_LENGTH = 2 + 2 * 1024;

/**
 * Adds a pending row for every manifest digest recorded in a block after `afterBlock` (the
 * finalized height the previous pass saw; -1 at start: everything), and makes rows due again
 * whose digest got a newer record (a new CID to try). Rows at or below a finalized height never
 * change again (until their digest is recorded again, in a later block), so each pass looks only
 * at records above the last finalized height it saw. Returns the height to pass next time.
 */
export async function discover(pool: Pool, afterBlock: number): Promise<{ nextAfter: number; added: number }> {
  const client = await pool.connect();
  try {
    // Read first: every row of a block at or below this height is committed by now.
    const finalized = await finalizedHeight(client);
    await client.query('BEGIN');
    const inserted = await client.query(
      `INSERT INTO manifest_content AS c (id, digest, state, attempts, next_attempt_at, last_record_block, discovered_at)
       SELECT m.digest_hex, min(m.digest), 'pending', 0, now(), max(m.block_number), now()
         FROM manifest m WHERE m.block_number > $1 AND length(m.digest_hex) <= $2 GROUP BY m.digest_hex
       ON CONFLICT (id) DO UPDATE SET last_record_block = EXCLUDED.last_record_block,
         next_attempt_at = CASE WHEN c.state IN ('pending', 'mismatch') THEN now() ELSE c.next_attempt_at END
       WHERE EXCLUDED.last_record_block > c.last_record_block
       RETURNING (xmax = 0) AS inserted`,
      [afterBlock, MAX_DIGEST_HEX_LENGTH],
    );
    // Children of an index and manifests pushed by digest are recorded as digest info: a new
    // record of a digest already known is a new CID to try.
    const rearmed = await client.query(
      `UPDATE manifest_content c SET last_record_block = r.block,
         next_attempt_at = CASE WHEN c.state IN ('pending', 'mismatch') THEN now() ELSE c.next_attempt_at END
        FROM (SELECT digest_hex, max(block_number) AS block FROM digest_info_record WHERE block_number > $1 GROUP BY digest_hex) r
       WHERE c.id = r.digest_hex AND r.block > c.last_record_block`,
      [afterBlock],
    );
    const changed = (inserted.rowCount ?? 0) + (rearmed.rowCount ?? 0);
    if (changed > 0 || finalized > afterBlock) await touchStatus(client, { discovered_to_block: Math.max(finalized, afterBlock) });
    await client.query('COMMIT');
    return { nextAfter: Math.max(finalized, afterBlock), added: inserted.rows.filter((row) => row.inserted).length };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Contents due for a read: never-tried ones first, so that content still missing after many tries does not hold up new pushes. */
export async function dueContents(pool: Pool, limit: number): Promise<DueContent[]> {
  const { rows } = await pool.query(
    `SELECT id, digest, attempts, coalesce(mismatched_cids, '{}') AS "mismatchedCids", last_record_block AS "lastRecordBlock" FROM manifest_content
      WHERE next_attempt_at <= now() ORDER BY attempts > 0, next_attempt_at LIMIT $1`,
    [limit],
  );
  return rows;
}

/** Every CID recorded for a digest (by manifest records and digest info), the latest first. */
export async function candidateCids(pool: Pool, digest: string): Promise<string[]> {
  const { rows } = await pool.query(
    `SELECT cid FROM (
       SELECT cid, block_number FROM manifest WHERE digest = $1 AND cid IS NOT NULL
       UNION ALL
       SELECT cid, block_number FROM digest_info_record WHERE digest = $1 AND cid IS NOT NULL
     ) r GROUP BY cid ORDER BY max(block_number) DESC, cid`,
    [digest],
  );
  return rows.map((row) => row.cid as string);
}

export type ContentResult =
  | { state: 'indexed'; cid: string; mismatchedCids: string[]; facts: ManifestFacts }
  | { state: 'invalid'; cid: string | null; mismatchedCids: string[]; reason: string }
  | { state: 'mismatch'; mismatchedCids: string[]; reason: string }
  /** `retryInMs` null: read again once a CID is recorded for the digest (discover makes it due). */
  | { state: 'pending'; mismatchedCids: string[]; reason: string; retryInMs: number | null };

export const NO_CID_YET = 'no CID is recorded for this digest yet; read once one is';

/** The longest `last_error` kept: a reason naming thousands of CIDs recorded by anyone is cut here. */
export const MAX_ERROR_CHARACTERS = 4_096;

/**
 * A reason as `last_error` can hold it. Reasons quote what anyone wrote (JSON.parse's message
 * quotes the bytes it could not read, a raw NUL among them), and a text Postgres refuses failed
 * the row's write, which then stayed first in line for every worker: NUL and lone surrogates are
 * written as escapes, and the whole is cut to MAX_ERROR_CHARACTERS.
 */
export function storableReason(reason: string): string {
  const escaped = reason.replace(/\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (escaped.length <= MAX_ERROR_CHARACTERS) return escaped;
  // Not between the halves of a surrogate pair: that would leave a lone one.
  const cut = escaped.slice(0, MAX_ERROR_CHARACTERS - 32).replace(/[\ud800-\udbff]$/, '');
  return `${cut}… (cut at ${MAX_ERROR_CHARACTERS} characters)`;
}

/**
 * Writes what a read found. `readFrom` is the row's last_record_block when it was taken for the
 * read: a record of the digest discovered while it was being read (a new CID, perhaps the owner's)
 * was not among the CIDs read, so a row that is still not indexed stays due now. Without that, the
 * read's own "read again when another CID is recorded" (mismatch) or backoff overwrote the
 * discovery's, and the new CID was never read: anyone could keep a digest's reads busy with slow
 * CIDs of other bytes so that its owner's record landed during one, and the manifest was never
 * indexed.
 */
export async function writeResult(pool: Pool, id: string, result: ContentResult, readFrom?: number): Promise<void> {
  // Due now when a record newer than `readFrom` (the statement's parameter `param`; null: none
  // known) came in during the read; else what the result says.
  const dueUnlessNewer = (param: string, otherwise: string) => `CASE WHEN last_record_block > ${param}::int THEN now() ELSE ${otherwise} END`;
  const readFromBlock = readFrom ?? null;
  await inTransaction(pool, async (client) => {
    if (result.state === 'indexed') {
      const { facts } = result;
      await client.query(
        `UPDATE manifest_content SET state = 'indexed', next_attempt_at = NULL, last_error = NULL, checked_at = now(), cid = $2, mismatched_cids = $3,
           media_type = $4, kind = $5, artifact_type = $6, config_media_type = $7, config_digest = $8, size = $9, total_size = $10, layer_count = $11,
           annotations = $12, files = $13, children = $14, platforms = $15, subject = $16
         WHERE id = $1`,
        [
          id, result.cid, emptyToNull(result.mismatchedCids), facts.mediaType, facts.kind, facts.artifactType, facts.configMediaType, facts.configDigest,
          facts.size, facts.totalSize?.toString() ?? null, facts.layerCount, json(facts.annotations), json(facts.files), json(facts.children), facts.platforms, facts.subject,
        ],
      );
      // An index's children are manifests too; their CIDs come from the digest info the push
      // recorded. A child no one recorded a CID for is not due until someone does (discover makes
      // it due then): anyone can list tens of thousands of made-up digests in one index, and each
      // was read before the manifests pushed after it.
      const children = [...new Set((facts.children ?? []).map((child) => child.digest))];
      if (children.length > 0) {
        await client.query(
          `INSERT INTO manifest_content (id, digest, state, attempts, next_attempt_at, last_error, last_record_block, discovered_at)
           SELECT '0x' || encode(convert_to(d, 'UTF8'), 'hex'), d, 'pending', 0, CASE WHEN r.recorded THEN now() END, CASE WHEN NOT r.recorded THEN $2 END, 0, now()
             FROM unnest($1::text[]) AS d,
                  LATERAL (SELECT EXISTS (SELECT 1 FROM digest_info_record WHERE digest = d AND cid IS NOT NULL)
                               OR EXISTS (SELECT 1 FROM manifest WHERE digest = d AND cid IS NOT NULL) AS recorded) r
           ON CONFLICT (id) DO NOTHING`,
          [children, NO_CID_YET],
        );
      }
    } else if (result.state === 'invalid') {
      await client.query(
        `UPDATE manifest_content SET state = 'invalid', next_attempt_at = NULL, last_error = $2, checked_at = now(), cid = $3, mismatched_cids = $4 WHERE id = $1`,
        [id, storableReason(result.reason), result.cid, emptyToNull(result.mismatchedCids)],
      );
    } else if (result.state === 'mismatch') {
      await client.query(
        `UPDATE manifest_content SET state = 'mismatch', attempts = attempts + 1, next_attempt_at = ${dueUnlessNewer('$4', 'NULL')}, last_error = $2, checked_at = now(), mismatched_cids = $3 WHERE id = $1`,
        [id, storableReason(result.reason), emptyToNull(result.mismatchedCids), readFromBlock],
      );
    } else {
      await client.query(
        `UPDATE manifest_content SET attempts = attempts + 1,
           next_attempt_at = ${dueUnlessNewer('$5', 'CASE WHEN $2::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $2::float8 / 1000) END')},
           last_error = $3, checked_at = now(), mismatched_cids = $4 WHERE id = $1`,
        [id, result.retryInMs, storableReason(result.reason), emptyToNull(result.mismatchedCids), readFromBlock],
      );
    }
    await touchStatus(client, { ipfs_reachable: true, last_error: null });
  });
}

/** IPFS could not be reached: the rows stay as they are, due again in `retryInMs`, saying why. */
export async function postponeAll(pool: Pool, ids: string[], reason: string, retryInMs: number): Promise<void> {
  if (ids.length === 0) return;
  await inTransaction(pool, async (client) => {
    await client.query(
      `UPDATE manifest_content SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2::float8 / 1000), last_error = $3 WHERE id = ANY($1)`,
      [ids, retryInMs, storableReason(reason)],
    );
    await touchStatus(client, { ipfs_reachable: false, last_error: storableReason(reason) });
  });
}

export async function setIpfsReachable(pool: Pool, reachable: boolean, reason: string | null): Promise<void> {
  await inTransaction(pool, (client) => touchStatus(client, { ipfs_reachable: reachable, last_error: reason === null ? null : storableReason(reason) }));
}

/** What a sum of index totals did: totals it set, and indexes whose children it looked up. */
export interface IndexTotals {
  set: number;
  examined: number;
}

/** Digests per parent lookup: one containment test each, OR-ed (see parentLookup). */
const PARENT_LOOKUP_CHUNK = 100;

/**
 * Sets the total size of indexes whose children are all indexed with a total, looking only at
 * what `changed` can complete: the indexes among those rows, and the indexes that list one of
 * them as a child (`'all'`: every index still without a total, for a catch-up after a restart).
 * An index whose total it sets can complete its own parents, so those are summed next, in the
 * same call, until nothing more is set. Returns how many totals it set and how many indexes it
 * examined.
 *
 * It used to expand the children of every indexed index without a total on every pass that
 * indexed anything. Anyone can push an index listing some 40,000 made-up digests (never indexed,
 * so its total stays unset for good): a hundred of them meant millions of child lookups per pass,
 * for everyone. Now a pass examines only the indexes it indexed and those listing a manifest it
 * indexed (each such index's children are read once per pass that indexes one of them).
 */
export async function sumIndexTotals(pool: Pool, changed: Iterable<string> | 'all'): Promise<IndexTotals> {
  return inTransaction(pool, async (client) => {
    const totals: IndexTotals = { set: 0, examined: 0 };
    let candidates: string[];
    if (changed === 'all') {
      const { rows } = await client.query(`SELECT id FROM manifest_content WHERE kind = 'index' AND state = 'indexed' AND total_size IS NULL`);
      candidates = rows.map((row) => row.id as string);
    } else {
      candidates = await affectedIndexes(client, [...new Set(changed)]);
    }
    // Each round's totals are new children with a total for the indexes that list them; a total
    // is set once (total_size IS NULL), so this ends, at the latest once nothing is left unset.
    while (candidates.length > 0) {
      totals.examined += candidates.length;
      // The children of each are read once (each use of a toasted list reads it again): summed,
      // and complete once each is indexed with a total. An index with no children gets no total.
      const { rows } = await client.query(
        `UPDATE manifest_content p SET total_size = s.total
           FROM (SELECT p.id, sum(c.total_size) AS total, bool_and(coalesce(c.state = 'indexed' AND c.total_size IS NOT NULL, false)) AS complete
                   FROM manifest_content p
                   CROSS JOIN LATERAL jsonb_array_elements(p.children) AS e(child)
                   LEFT JOIN manifest_content c ON c.id = '0x' || encode(convert_to(e.child->>'digest', 'UTF8'), 'hex')
                  WHERE p.id = ANY($1::text[]) AND p.kind = 'index' AND p.state = 'indexed' AND p.total_size IS NULL
                  GROUP BY p.id) s
          WHERE p.id = s.id AND s.complete
          RETURNING p.id`,
        [candidates],
      );
      totals.set += rows.length;
      candidates = await affectedIndexes(client, rows.map((row) => row.id as string));
    }
    if (totals.set > 0) await touchStatus(client, {});
    return totals;
  });
}

/**
 * The indexes without a total that `ids` (rows just indexed, or just given a total) may complete:
 * those among them, and those listing one of them with a total as a child.
 */
async function affectedIndexes(client: PoolClient, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await client.query(
    `SELECT id, digest, kind = 'index' AND total_size IS NULL AS "isOpenIndex", total_size IS NOT NULL AS "hasTotal"
       FROM manifest_content WHERE id = ANY($1::text[]) AND state = 'indexed'`,
    [ids],
  );
  const found = new Set<string>(rows.filter((row) => row.isOpenIndex).map((row) => row.id as string));
  // A child without a total completes no parent; a row without a digest (not UTF-8) is no one's child.
  const digests = rows.filter((row) => row.hasTotal && typeof row.digest === 'string').map((row) => row.digest as string);
  if (digests.length > 0) {
    // The planner counts the table's pages, not its children (kept aside, TOAST): on a table of
    // few rows it would scan every index and decompress every children list, a flood's included,
    // rather than ask the GIN index. Only for this transaction.
    await client.query('SET LOCAL enable_seqscan = off');
    for (let i = 0; i < digests.length; i += PARENT_LOOKUP_CHUNK) {
      const lookup = parentLookup(digests.slice(i, i + PARENT_LOOKUP_CHUNK));
      for (const row of (await client.query(lookup)).rows) found.add(row.id as string);
    }
    await client.query('SET LOCAL enable_seqscan TO DEFAULT');
  }
  return [...found];
}

/**
 * The statement that finds the indexes without a total listing any of `digests` as a child. One
 * jsonb containment test per digest, OR-ed: the GIN index on children
 * (db/migrations/1796329046852-ContentChildren.search.js) serves each as a bitmap scan, where
 * `children @> ANY(array)` it cannot serve, and a lateral expansion would read every index again.
 * Exported for a test to read its plan.
 */
export function parentLookup(digests: string[]): { text: string; values: string[] } {
  const tests = digests.map((_, i) => `p.children @> $${i + 1}::jsonb`);
  return {
    // The containment tests alone in a materialized CTE: beside `state = 'indexed'` the planner
    // could choose the state index instead and test the children of every indexed row.
    text: `WITH listing AS MATERIALIZED (SELECT p.id, p.kind, p.state, p.total_size FROM manifest_content p WHERE ${tests.join(' OR ')})
           SELECT id FROM listing WHERE kind = 'index' AND state = 'indexed' AND total_size IS NULL`,
    values: digests.map((digest) => JSON.stringify([{ digest }])),
  };
}

async function touchStatus(client: PoolClient, changes: { ipfs_reachable?: boolean; last_error?: string | null; discovered_to_block?: number }): Promise<void> {
  const names = Object.keys(changes) as (keyof typeof changes)[];
  const sets = names.map((name, i) => `${name} = $${i + 2}`);
  await client.query(`UPDATE content_index_status SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1`, [STATUS_ID, ...names.map((name) => changes[name])]);
}

async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
const emptyToNull = (list: string[]) => (list.length > 0 ? list : null);
