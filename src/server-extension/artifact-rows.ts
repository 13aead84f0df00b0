// Artifact versions as the index holds them: every tag whose manifest content (read by the
// content indexer, keyed by digest) has an artifactType. Derived at query time from the tag rows
// the processor keeps, so they follow every tag move and every rolled-back hot block with nothing
// to recompute: the content rows they join are facts about digests and never go stale.
//
// Only names' owners count (docs/name-ownership.md): a space name selects the space that owns the
// name, and listings leave shadows out unless asked, so a shadow's artifacts never appear under
// the owner's name.
import type { EntityManager } from 'typeorm';

export interface VersionFilter {
  /** A space name: the name owner's space. */
  space?: string | null;
  spaceId?: string | null;
  /** List shadows' artifacts too (each says whose space it is). */
  includeShadows?: boolean;
  name?: string | null;
  nameContains?: string | null;
  kinds?: string[] | null;
  labels?: LabelFilter[];
}

export type LabelFilter = { key: string; value?: string };

export class LabelFilterError extends Error {
  override readonly name = 'LabelFilterError';
}

/** `key=value` (annotation equals) or `key` (annotation present). */
export function parseLabel(text: string): LabelFilter {
  const at = text.indexOf('=');
  const key = (at < 0 ? text : text.slice(0, at)).trim();
  if (key === '') throw new LabelFilterError(`label filter ${JSON.stringify(text)} names no key; write key=value (e.g. "org.opencontainers.image.vendor=acme") or just key`);
  return at < 0 ? { key } : { key, value: text.slice(at + 1) };
}

export interface VersionRow {
  tagId: string;
  version: string | null;
  versionHex: string;
  digest: string;
  createdAt: Date;
  createdAtBlock: number;
  updatedAt: Date;
  updatedAtBlock: number;
  artifactId: string;
  name: string | null;
  nameHex: string;
  spaceId: string;
  spaceName: string | null;
  isNameOwner: boolean | null;
  owner: string;
  artifactType: string;
  mediaType: string;
  cid: string;
  size: number;
  totalSize: string | null;
  annotations: Record<string, string> | null;
  files: { title: string | null; mediaType: string; digest: string; size: string }[] | null;
  platforms: string[] | null;
}

export interface MoveFacts {
  tagId: string;
  moveCount: number;
  firstMovedAt: Date | null;
  lastMovedAt: Date | null;
  originalDigest: string | null;
  pushedBy: string | null;
  recordedBy: string | null;
}

/**
 * What ordering, paging and version ranges need of a version, and what an artifact says of all
 * its versions (kinds, when it was last updated): no manifest content.
 */
export type VersionKey = Pick<VersionRow, 'tagId' | 'version' | 'artifactId' | 'name' | 'spaceName' | 'updatedAtBlock' | 'updatedAt' | 'artifactType'> & {
  /** Bytes of the version's manifest: what its content costs to read (content-budget.ts). */
  size?: number | null;
};

// Every version that matches a filter is read to order them by semver (which Postgres cannot do),
// but only these few columns: reading every match's annotations, files and platforms made each
// listing, however small its page, cost the whole index's manifest content in memory, and anyone
// can ask for `artifactVersions(limit: 1)` again and again. The content is read for the page only
// (versionRowsOf).
const KEY_COLUMNS = `t.id AS "tagId", t.name AS "version", t.updated_at_block AS "updatedAtBlock", t.updated_at AS "updatedAt",
            i.id AS "artifactId", i.name, s.name AS "spaceName", c.artifact_type AS "artifactType", c.size AS "size"`;

const ROW_COLUMNS = `t.id AS "tagId", t.name AS "version", t.name_hex AS "versionHex", t.digest, t.created_at AS "createdAt", t.created_at_block AS "createdAtBlock",
            t.updated_at AS "updatedAt", t.updated_at_block AS "updatedAtBlock",
            i.id AS "artifactId", i.name, i.name_hex AS "nameHex",
            s.id AS "spaceId", s.name AS "spaceName", s.is_name_owner AS "isNameOwner", s.owner_id AS "owner",
            c.artifact_type AS "artifactType", c.media_type AS "mediaType", c.cid, c.size, c.total_size::text AS "totalSize",
            c.annotations, c.files, c.platforms`;

const FROM = `FROM manifest_content c
       JOIN tag t ON t.digest = c.digest
       JOIN image i ON i.id = t.image_id
       JOIN space s ON s.id = t.space_id`;

/** The versions matching a filter, with only what ordering and paging need. */
export async function versionKeys(manager: EntityManager, filter: VersionFilter): Promise<VersionKey[]> {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where = [`c.state = 'indexed'`, 'c.artifact_type IS NOT NULL'];
  if (filter.space != null) where.push(`s.name = ${param(filter.space)}`, filter.includeShadows ? 'true' : 's.is_name_owner');
  if (filter.spaceId != null) where.push(`s.id = ${param(filter.spaceId)}`);
  else if (!filter.includeShadows) where.push('s.is_name_owner IS NOT FALSE');
  if (filter.name != null) where.push(`i.name = ${param(filter.name)}`);
  if (filter.nameContains) where.push(`i.name ILIKE ${param(`%${filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
  if (filter.kinds && filter.kinds.length > 0) where.push(`c.artifact_type = ANY(${param(filter.kinds)}::text[])`);
  // One condition per label: merged into one object, two values asked for one key would keep the
  // last only (`a=1` and `a=2` would match a=2), where no version can match both.
  for (const label of filter.labels ?? []) {
    where.push(label.value === undefined ? `c.annotations ? ${param(label.key)}` : `c.annotations @> ${param(JSON.stringify({ [label.key]: label.value }))}::jsonb`);
  }
  return manager.query(`SELECT ${KEY_COLUMNS}\n       ${FROM}\n      WHERE ${where.join(' AND ')}`, params);
}

/**
 * The whole rows of these versions (tag ids), in the order given. A tag moved since its key was
 * read to content that is not indexed, or that is no artifact, is left out.
 */
export async function versionRowsOf(manager: EntityManager, tagIds: readonly string[]): Promise<VersionRow[]> {
  if (tagIds.length === 0) return [];
  const rows: VersionRow[] = await manager.query(
    `SELECT ${ROW_COLUMNS}\n       ${FROM}\n      WHERE c.state = 'indexed' AND c.artifact_type IS NOT NULL AND t.id = ANY($1::text[])`,
    [tagIds],
  );
  const byId = new Map(rows.map((row) => [row.tagId, row]));
  return tagIds.map((id) => byId.get(id)).filter((row): row is VersionRow => row !== undefined);
}

/**
 * What each tag's history says: how often it moved to another digest after it was first set
 * (re-recording the same digest is no move), when, the digest it was first set to, and who
 * recorded it last.
 */
export async function moveFacts(manager: EntityManager, tagIds: string[]): Promise<Map<string, MoveFacts>> {
  if (tagIds.length === 0) return new Map();
  const moved = 'u.previous_digest_hex IS NOT NULL AND u.previous_digest_hex <> u.digest_hex';
  const rows: MoveFacts[] = await manager.query(
    `SELECT u.tag_id AS "tagId",
            (count(*) FILTER (WHERE ${moved}))::int AS "moveCount",
            min(u.timestamp) FILTER (WHERE ${moved}) AS "firstMovedAt",
            max(u.timestamp) FILTER (WHERE ${moved}) AS "lastMovedAt",
            (array_agg(u.digest ORDER BY u.id))[1] AS "originalDigest",
            (array_agg(u.pushed_by ORDER BY u.id DESC))[1] AS "pushedBy",
            (array_agg(u.account_id ORDER BY u.id DESC))[1] AS "recordedBy"
       FROM tag_update u WHERE u.tag_id = ANY($1::text[]) GROUP BY u.tag_id`,
    [tagIds],
  );
  return new Map(rows.map((row) => [row.tagId, row]));
}

export interface TagContentRow {
  tagId: string;
  digest: string | null;
  state: string | null;
  attempts: number | null;
  lastError: string | null;
  mediaType: string | null;
  kind: string | null;
  artifactType: string | null;
  size: number | null;
  totalSize: string | null;
  layerCount: number | null;
  childCount: number | null;
  platforms: string[] | null;
}

/**
 * Bytes of the manifests whose platforms these tags' contents would carry (indexes'), each tag
 * counted once: what tagContentRows costs to read, known before it is read (content-budget.ts).
 */
export async function tagContentBytes(manager: EntityManager, tagIds: string[]): Promise<number> {
  const [row] = await manager.query(
    `SELECT coalesce(sum(c.size), 0)::float8 AS bytes
       FROM tag t JOIN manifest_content c ON c.id = t.digest_hex
      WHERE t.id = ANY($1::text[]) AND c.platforms IS NOT NULL`,
    [tagIds],
  );
  return Number(row?.bytes ?? 0);
}

/** Each tag with its manifest's content, if the content indexer has a row for it yet. */
export async function tagContentRows(manager: EntityManager, tagIds: string[]): Promise<TagContentRow[]> {
  return manager.query(
    `SELECT t.id AS "tagId", t.digest, c.state, c.attempts, c.last_error AS "lastError", c.media_type AS "mediaType", c.kind,
            c.artifact_type AS "artifactType", c.size, c.total_size::text AS "totalSize", c.layer_count AS "layerCount",
            jsonb_array_length(c.children) AS "childCount", c.platforms
       FROM tag t LEFT JOIN manifest_content c ON c.id = t.digest_hex
      WHERE t.id = ANY($1::text[])`,
    [tagIds],
  );
}
