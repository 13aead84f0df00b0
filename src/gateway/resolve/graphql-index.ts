// RegistryIndex over the indexer's GraphQL API (OpenReader). Every query has a deadline, so a
// slow or stopped index costs a pull at most that long before chain storage answers instead.
// Queries go through the gateway's one index client (index-http.ts), which keeps the gateway as a
// whole within the index's bound per client and follows its Retry-After. A pull's lookups ask as
// pulls, which have places kept for them; the listings here (the catalog, an image's tags) are
// asked for by anyone and a mirror's scans, so they ask as listings and leave those places alone.
import { addressable, type RepositoryName } from '../oci/reference';
import type { IndexedRecord, IndexedSpace, IndexedTags, OwnerManifests, OwnerSpace, RegistryIndex } from './registry-index';
import { IndexHttp, type IndexHttpOptions, IndexUnavailableError, type QueryKind, unansweredText } from './index-http';

export { DEFAULT_INDEX_CONCURRENCY, DEFAULT_INDEX_RETRIES, IndexHttp, IndexUnavailableError, retryAfterMs } from './index-http';

interface RecordRow {
  cid: string | null;
  blockNumber: number;
  account: { id: string };
}

/**
 * How many records one list of a pull's lookup asks for (newest first). A lookup asks for at most
 * four lists (the owner's and everyone else's, of two kinds), each record with its account: at most
 * 4 × 16 × 2 = 128 rows, whatever strangers write.
 */
export const RECORDS_LIMIT = 16;
const RECORD_FIELDS = 'cid blockNumber account { id }';

/**
 * A query for records by `lists` (each list's GraphQL, given its alias and an extra filter). With
 * the owner ($owner, SS58), the owner's and everyone else's come in separate lists of at most
 * RECORDS_LIMIT each: however many records strangers write, they neither crowd the owner's out nor
 * grow the answer past the index's row bound. Without, the newest of anyone's.
 */
function recordsQuery(params: string, lists: (alias: string, where: string) => string, withOwner: boolean): string {
  return withOwner
    ? `query(${params}, $owner: String!) {${lists('owner', ', account: { id_eq: $owner }')}${lists('others', ', account: { id_not_eq: $owner }')}\n}`
    : `query(${params}) {${lists('any', '')}\n}`;
}

/** CIDs recorded for a manifest digest of an image ($image, $digest): add_manifest's and Json digest info's. */
export const manifestRecordsQuery = (withOwner: boolean): string =>
  recordsQuery(
    '$image: String!, $digest: String!',
    (alias, where) => `
      ${alias}Manifests: manifests(where: { digest_eq: $digest, image: { name_eq: $image }${where} }, orderBy: blockNumber_DESC, limit: ${RECORDS_LIMIT}) { ${RECORD_FIELDS} }
      ${alias}Json: digestInfoRecords(where: { digest_eq: $digest, digestType_eq: Json${where} }, orderBy: blockNumber_DESC, limit: ${RECORDS_LIMIT}) { ${RECORD_FIELDS} }`,
    withOwner,
  );

/** CIDs recorded for a digest ($digest) with store_digest_info. */
export const digestRecordsQuery = (withOwner: boolean): string =>
  recordsQuery('$digest: String!', (alias, where) => `
      ${alias}: digestInfoRecords(where: { digest_eq: $digest${where} }, orderBy: blockNumber_DESC, limit: ${RECORDS_LIMIT}) { ${RECORD_FIELDS} }`, withOwner);

const toRecords = (rows: RecordRow[]): IndexedRecord[] =>
  rows.flatMap((row) => (row.cid ? [{ cid: row.cid, account: row.account.id, blockNumber: row.blockNumber }] : [])).sort((a, b) => b.blockNumber - a.blockNumber);

/** The `where` of the space that owns a name: by id when chain state named it, else the index's own view. */
function ownerWhere(repo: string, ownerSpace: OwnerSpace): string {
  return ownerSpace === undefined ? `{ name_eq: ${JSON.stringify(repo)}, isNameOwner_eq: true }` : `{ id_eq: ${JSON.stringify(ownerSpace)} }`;
}

const SPACE_FIELDS = 'id blockNumber owner { id }';
type SpaceRow = { id: string; blockNumber: number; owner: { id: string } };
const toSpace = (row: SpaceRow | null | undefined): IndexedSpace | undefined => (row ? { id: row.id, owner: row.owner.id, blockNumber: row.blockNumber } : undefined);

export interface GraphqlIndexOptions extends IndexHttpOptions {
  /** One query's deadline (ms): waiting for a place, every attempt and every wait between them. */
  timeoutMs?: number;
}

export class GraphqlIndex implements RegistryIndex {
  readonly #http: IndexHttp;
  readonly #timeoutMs: number;

  /**
   * `index`: the GraphQL URL, or the gateway's shared client (then `maxConcurrent` and
   * `maxRetries` are that client's own).
   */
  constructor(index: string | IndexHttp, options: GraphqlIndexOptions = {}) {
    this.#http = typeof index === 'string' ? new IndexHttp(index, options) : index;
    this.#timeoutMs = options.timeoutMs ?? 3_000;
  }

  /** How many queries it sends at once now (lowered by a 429 that names a smaller bound). */
  get maxConcurrent(): number {
    return this.#http.maxConcurrent;
  }

  async nameOwner(repo: string): Promise<IndexedSpace | undefined> {
    const data = await this.#query<{ spaces: SpaceRow[] }>(`query($repo: String!) { spaces(where: { name_eq: $repo, isNameOwner_eq: true }, limit: 1) { ${SPACE_FIELDS} } }`, { repo });
    return toSpace(data.spaces[0]);
  }

  async space(id: string): Promise<IndexedSpace | undefined> {
    const data = await this.#query<{ spaceById: SpaceRow | null }>(`query($id: String!) { spaceById(id: $id) { ${SPACE_FIELDS} } }`, { id });
    return toSpace(data.spaceById);
  }

  async ownerTag(name: RepositoryName, tag: string, ownerSpace: OwnerSpace): Promise<{ spaceKnown: boolean; digest?: string }> {
    const owner = ownerWhere(name.repo, ownerSpace);
    const data = await this.#query<{ spaces: { id: string }[]; tags: { digest: string | null }[] }>(
      `query($image: String!, $tag: String!) {
        spaces(where: ${owner}, limit: 1) { id }
        tags(where: { name_eq: $tag, image: { name_eq: $image, space: ${owner} } }, limit: 1) { digest }
      }`,
      { image: name.image, tag },
    );
    return { spaceKnown: data.spaces.length > 0, digest: data.tags[0]?.digest ?? undefined };
  }

  async manifestRecords(name: RepositoryName, digest: string, owner?: string): Promise<IndexedRecord[]> {
    return this.#records(manifestRecordsQuery(owner !== undefined), { image: name.image, digest }, owner);
  }

  async digestRecords(digest: string, owner?: string): Promise<IndexedRecord[]> {
    return this.#records(digestRecordsQuery(owner !== undefined), { digest }, owner);
  }

  /** Records, newest first, from every list of `query` (see recordsQuery). */
  async #records(query: string, variables: Record<string, unknown>, owner: string | undefined): Promise<IndexedRecord[]> {
    const data = await this.#query<Record<string, RecordRow[]>>(query, owner === undefined ? variables : { ...variables, owner });
    return toRecords(Object.values(data).flat());
  }

  async tags(name: RepositoryName, ownerSpace: OwnerSpace): Promise<string[] | undefined> {
    return (await this.tagDigests(name, ownerSpace))?.tags.map((t) => t.tag);
  }

  async tagDigests(name: RepositoryName, ownerSpace: OwnerSpace): Promise<IndexedTags | undefined> {
    // The status comes in the same answer as the tags, so the height is the one they were read at.
    const data = await this.#query<{ images: { tags: { name: string | null; digest: string | null }[] }[]; squidStatus: { height: number | null } | null }>(
      `query($image: String!) {
        images(where: { name_eq: $image, space: ${ownerWhere(name.repo, ownerSpace)} }) { tags { name digest } }
        squidStatus { height }
      }`,
      { image: name.image },
      'listing',
    );
    if (data.images.length === 0) return undefined;
    const tags = data.images.flatMap((image) => image.tags.flatMap((t) => (t.name ? [{ tag: t.name, ...(t.digest ? { digest: t.digest } : {}) }] : [])));
    return { tags, indexedBlock: data.squidStatus?.height ?? -1 };
  }

  async repositories(): Promise<string[]> {
    const data = await this.#query<{ images: { name: string | null; space: { name: string | null } }[] }>('{ images(where: { space: { isNameOwner_eq: true } }) { name space { name } } }', {}, 'listing');
    // A stranger's space named `acme/lib` owns that name, and its `web` would be listed as
    // `acme/lib/web`: acme's `lib/web`, not its own. Such rows are left out.
    return data.images.flatMap((i) => (i.name && i.space.name && addressable(i.space.name, i.name) ? [`${i.space.name}/${i.name}`] : []));
  }

  async isRecordedCid(spellings: string[]): Promise<boolean> {
    const data = await this.#query<{ blobs: unknown[]; manifests: unknown[] }>(
      'query($cids: [String!]!) { blobs(where: { cid_in: $cids }, limit: 1) { id } manifests(where: { cid_in: $cids }, limit: 1) { id } }',
      { cids: spellings },
    );
    return data.blobs.length > 0 || data.manifests.length > 0;
  }

  async ownerManifests(name: RepositoryName, ownerSpace: OwnerSpace): Promise<OwnerManifests> {
    const owner = ownerWhere(name.repo, ownerSpace);
    type Row = { digest: string | null; cid: string | null };
    const data = await this.#query<{ manifests: Row[]; digestInfoRecords: Row[] }>(
      `query($image: String!) {
        manifests(where: { image: { name_eq: $image, space: ${owner} } }) { digest cid }
        digestInfoRecords(where: { digestType_eq: Json, space: ${owner} }) { digest cid }
      }`,
      { image: name.image },
    );
    const pairs = (rows: Row[]) => rows.flatMap((r) => (r.digest && r.cid ? [{ digest: r.digest, cid: r.cid }] : []));
    return { image: pairs(data.manifests), json: pairs(data.digestInfoRecords) };
  }

  async #query<T>(query: string, variables: Record<string, unknown>, kind: QueryKind = 'pull'): Promise<T> {
    const answer = await this.#http.graphql<{ data?: T; errors?: { message: string }[] }>(query, variables, this.#timeoutMs, kind);
    const body = answer.body;
    if (!answer.ok || !body?.data || body.errors?.length) {
      throw new IndexUnavailableError(unansweredText(this.#http.shown, answer));
    }
    return body.data;
  }
}
