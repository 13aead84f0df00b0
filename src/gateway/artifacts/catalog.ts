// Reading artifacts from the index (the GraphQL server's `artifacts` and `artifactVersions`,
// which the content indexer fills from IPFS): listings, filters, semver ranges, the moved flag.
// Every query has a deadline; an index that does not answer is the client's 503, never a guess.
// Queries go through the gateway's one index client (resolve/index-http.ts): the doors' listings
// and the pulls' lookups are one client to the index, held to its bound per client together. Anyone
// can ask for listings, so they ask as listings and leave the places kept for pulls alone.
import semver from 'semver';
import { OciError } from '../errors/oci-error';
import { addressable } from '../oci/reference';
import { ArtifactError } from './errors';
import { IndexHttp, IndexUnavailableError, unansweredText } from '../resolve/index-http';

export interface VersionView {
  /** `<space>/<name>`. */
  readonly name: string;
  readonly artifactName: string;
  readonly space: { readonly id: string; readonly name: string; readonly owner: string };
  readonly version: string;
  readonly artifactType: string;
  readonly digest: string;
  readonly cid: string;
  readonly totalSize: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly moved: boolean;
  readonly moveCount: number;
  readonly originalDigest: string | null;
  readonly labels: Record<string, string>;
  readonly description: string | null;
  readonly files: readonly { readonly title: string | null; readonly mediaType: string; readonly digest: string; readonly size: number }[];
}

export interface ArtifactView {
  readonly name: string;
  readonly artifactName: string;
  readonly space: VersionView['space'];
  readonly kinds: string[];
  readonly versionCount: number;
  readonly description: string | null;
  readonly labels: Record<string, string>;
  readonly updatedAt: string;
  readonly latest: VersionView;
  /** Highest first. */
  readonly versions: VersionView[];
}

export interface VersionQuery {
  /** A space name: the space that owns it. */
  readonly space?: string;
  readonly name?: string;
  readonly kinds?: readonly string[];
  /** `key=value` or `key`, all of them. */
  readonly labels?: readonly string[];
  readonly range?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export interface ArtifactQuery extends Omit<VersionQuery, 'range'> {
  readonly nameContains?: string;
  /** Versions listed per artifact (default 100). */
  readonly versionLimit?: number;
}

const VERSION_FIELDS = `version artifactType digest cid totalSize createdAt updatedAt moved moveCount originalDigest artifactName
  space { id name owner } labels { key value } description files { title mediaType digest size }`;

interface VersionRow {
  version: string | null;
  artifactType: string;
  digest: string;
  cid: string;
  totalSize: string | null;
  createdAt: string;
  updatedAt: string;
  moved: boolean;
  moveCount: number;
  originalDigest: string | null;
  artifactName: string | null;
  space: { id: string; name: string | null; owner: string };
  labels: { key: string; value: string }[];
  description: string | null;
  files: { title: string | null; mediaType: string; digest: string; size: string }[];
}

const toVersion = (row: VersionRow): VersionView | undefined =>
  row.version === null || row.artifactName === null || row.space.name === null || !addressable(row.space.name, row.artifactName)
    ? undefined
    : {
        name: `${row.space.name}/${row.artifactName}`,
        artifactName: row.artifactName,
        space: { id: row.space.id, name: row.space.name, owner: row.space.owner },
        version: row.version,
        artifactType: row.artifactType,
        digest: row.digest,
        cid: row.cid,
        totalSize: row.totalSize === null ? null : Number(row.totalSize),
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        moved: row.moved,
        moveCount: row.moveCount,
        originalDigest: row.originalDigest,
        labels: Object.fromEntries(row.labels.map((l) => [l.key, l.value])),
        description: row.description,
        files: row.files.map((f) => ({ title: f.title, mediaType: f.mediaType, digest: f.digest, size: Number(f.size) })),
      };

/**
 * Why the index's answer to resolve(space, name, range) is not one (undefined when it is): the
 * version it picked is checked against the range by the index's own rule (node-semver's, a
 * pre-release matching only a comparator with one on the same major.minor.patch, a `v1.2.3` tag
 * read as 1.2.3), and the artifact must be the one asked for.
 */
export function checkResolved(version: VersionView, space: string, name: string, range: string): string | undefined {
  if (version.space.name !== space || version.artifactName !== name) return `the index answered ${JSON.stringify(version.name)} for ${JSON.stringify(`${space}/${name}`)}`;
  const parsed = semver.valid(version.version);
  let satisfied = false;
  try {
    satisfied = parsed !== null && semver.satisfies(parsed, new semver.Range(range.trim()));
  } catch {
    satisfied = false;
  }
  if (!satisfied) return `the index picked version ${JSON.stringify(version.version)}, which does not satisfy ${JSON.stringify(range)}`;
  return undefined;
}

/** How long the doors ask a client to wait when the index did not say. */
const UNAVAILABLE_RETRY_SECONDS = 5;

export class ArtifactCatalog {
  readonly #http: IndexHttp;
  readonly #timeoutMs: number;

  /** `index`: the GraphQL URL, or the gateway's shared index client. */
  constructor(index: string | IndexHttp, options: { timeoutMs?: number } = {}) {
    this.#http = typeof index === 'string' ? new IndexHttp(index) : index;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Versions, highest first (tags that are no version last). */
  async versions(query: VersionQuery): Promise<VersionView[]> {
    return (await this.versionPage(query)).versions;
  }

  /** versions(), with how many rows the index answered: fewer than asked for is the last page (rows left out here still count). */
  async versionPage(query: VersionQuery): Promise<{ versions: VersionView[]; rows: number }> {
    const data = await this.#query<{ artifactVersions: VersionRow[] }>(
      `query($space: String, $name: String, $kind: [String!], $label: [String!], $range: String, $limit: Int!, $offset: Int!) {
        artifactVersions(space: $space, name: $name, kind: $kind, label: $label, range: $range, limit: $limit, offset: $offset) { ${VERSION_FIELDS} }
      }`,
      { space: query.space ?? null, name: query.name ?? null, kind: query.kinds ?? null, label: query.labels ?? null, range: query.range ?? null, limit: query.limit ?? 1000, offset: query.offset ?? 0 },
    );
    return { versions: data.artifactVersions.flatMap((row) => toVersion(row) ?? []), rows: data.artifactVersions.length };
  }

  /** One exact version (tag) of an artifact, if the index has it. */
  async version(space: string, name: string, version: string): Promise<VersionView | undefined> {
    // A semantic version is its own exact range; other tags are looked for among all versions.
    const range = semver.valid(version) !== null ? version : undefined;
    return (await this.versions({ space, name, range })).find((v) => v.version === version);
  }

  /** The highest version in a semver range, as the index picked it (checkResolved says whether to trust it). */
  async resolve(space: string, name: string, range: string): Promise<VersionView | undefined> {
    return (await this.versions({ space, name, range, limit: 1 }))[0];
  }

  async artifacts(query: ArtifactQuery): Promise<ArtifactView[]> {
    return (await this.artifactPage(query)).artifacts;
  }

  /** artifacts(), with how many rows the index answered: as many as asked for means there may be more (rows left out here still count). */
  async artifactPage(query: ArtifactQuery): Promise<{ artifacts: ArtifactView[]; rows: number }> {
    // `latest` comes from the index, which sees every version: a listing that asks for one
    // version per artifact (a summary) still shows the highest release, not a newer pre-release.
    const data = await this.#query<{ artifacts: (Omit<ArtifactView, 'name' | 'artifactName' | 'labels' | 'latest' | 'versions' | 'space'> & { name: string | null; space: VersionRow['space']; labels: VersionRow['labels']; latest: VersionRow | null; versions: VersionRow[] })[] }>(
      `query($space: String, $name: String, $contains: String, $kind: [String!], $label: [String!], $limit: Int!, $offset: Int!, $versions: Int!) {
        artifacts(space: $space, name: $name, nameContains: $contains, kind: $kind, label: $label, limit: $limit, offset: $offset) {
          name kinds versionCount description updatedAt space { id name owner } labels { key value } latest { ${VERSION_FIELDS} } versions(limit: $versions) { ${VERSION_FIELDS} }
        }
      }`,
      { space: query.space ?? null, name: query.name ?? null, contains: query.nameContains ?? null, kind: query.kinds ?? null, label: query.labels ?? null, limit: query.limit ?? 100, offset: query.offset ?? 0, versions: query.versionLimit ?? 100 },
    );
    const artifacts = data.artifacts.flatMap((row): ArtifactView[] => {
      const versions = row.versions.flatMap((v) => toVersion(v) ?? []);
      if (row.name === null || row.space.name === null || !addressable(row.space.name, row.name) || versions.length === 0) return [];
      const latest = (row.latest ? toVersion(row.latest) : undefined) ?? versions.find((v) => semver.valid(v.version) !== null && semver.prerelease(v.version) === null) ?? versions[0];
      return [{
        name: `${row.space.name}/${row.name}`, artifactName: row.name, space: { id: row.space.id, name: row.space.name, owner: row.space.owner },
        kinds: row.kinds, versionCount: row.versionCount, description: row.description, updatedAt: row.updatedAt,
        labels: Object.fromEntries(row.labels.map((l) => [l.key, l.value])), latest, versions,
      }];
    });
    return { artifacts, rows: data.artifacts.length };
  }

  /**
   * The CIDs the space owner recorded for these digests (the newest record each). Never another
   * account's: any space owner can record any digest → CID, and a listing's CID is not checked
   * against the bytes (a plugin client fetches by it alone), so a stranger's record would put the
   * stranger's bytes under the owner's name. A digest the owner never recorded has no CID here.
   */
  async fileCids(digests: readonly string[], owner: string): Promise<Map<string, string>> {
    return (await this.ownedFileCids(digests.map((digest) => ({ digest, owner })))).get(owner) ?? new Map();
  }

  /**
   * fileCids() for files of many owners (a listing across spaces) in one query: owner → digest →
   * the CID that owner recorded last. Each file is answered only from its own owner's records,
   * even when another owner in the same listing recorded the same digest.
   */
  async ownedFileCids(files: readonly { readonly digest: string; readonly owner: string }[]): Promise<Map<string, Map<string, string>>> {
    const cids = new Map<string, Map<string, string>>();
    if (files.length === 0) return cids;
    const wanted = new Set(files.map((f) => `${f.owner} ${f.digest}`));
    const data = await this.#query<{ digestInfoRecords: { digest: string | null; cid: string | null; account: { id: string } }[] }>(
      'query($digests: [String!]!, $owners: [String!]!) { digestInfoRecords(where: { digest_in: $digests, account: { id_in: $owners } }, orderBy: blockNumber_DESC) { digest cid account { id } } }',
      { digests: [...new Set(files.map((f) => f.digest))], owners: [...new Set(files.map((f) => f.owner))] },
    );
    for (const row of data.digestInfoRecords) {
      // The query asks for every owner's records of every digest: only the pairs asked for count.
      if (!row.digest || !row.cid || !wanted.has(`${row.account.id} ${row.digest}`)) continue;
      const owned = cids.get(row.account.id) ?? new Map<string, string>();
      cids.set(row.account.id, owned);
      if (!owned.has(row.digest)) owned.set(row.digest, row.cid);
    }
    return cids;
  }

  /** Waits until the index lists `version` of `<space>/<name>` at `digest`; false after `timeoutMs`. */
  async waitFor(space: string, name: string, version: string, digest: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let pause = 100; ; pause = Math.min(pause * 2, 1_000)) {
      const found = await this.version(space, name, version).catch(() => undefined);
      if (found?.digest === digest) return true;
      if (Date.now() + pause > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  async #query<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    let answer;
    try {
      answer = await this.#http.graphql<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[] }>(query, variables, this.#timeoutMs, 'listing');
    } catch (error) {
      if (!(error instanceof IndexUnavailableError)) throw error;
      throw new ArtifactError('UNAVAILABLE', `${error.message}; retry shortly`, { retryAfterSeconds: error.retryAfterSeconds ?? UNAVAILABLE_RETRY_SECONDS, cause: error });
    }
    const { body } = answer;
    const userError = body?.errors?.find((e) => e.extensions?.code === 'BAD_USER_INPUT');
    if (userError) throw new ArtifactError(/range/.test(userError.message) ? 'INVALID_VERSION' : 'INVALID_METADATA', userError.message, { field: /range/.test(userError.message) ? 'range' : undefined });
    if (!answer.ok || !body?.data || body.errors?.length) {
      throw new ArtifactError('UNAVAILABLE', `${unansweredText(this.#http.shown, answer)}; retry shortly`, { retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS });
    }
    return body.data;
  }
}
