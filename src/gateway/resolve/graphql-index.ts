// RegistryIndex over the indexer's GraphQL API (OpenReader). Every query has a deadline, so a
// slow or stopped index costs a pull at most that long before chain storage answers instead.
//
// The gateway is one client of `hcr graphql` relaying every user's pulls, and the server answers
// each client at most GQL_MAX_CONCURRENT_PER_CLIENT requests at once (default 8), refusing the
// next with 429 and Retry-After. So the gateway sends at most that many queries at once (others
// wait for a place, within their deadline), takes a smaller bound named by a 429 as its own, and
// sends a refused query again after the wait the server asks for: at most a few times, and only
// while the wait ends before the query's deadline. A relay that only retried would turn a busy
// index into a storm of refused requests; one that waited as long as told could hold a pull for
// as long as anyone's answer says.
import type { RepositoryName } from '../oci/reference';
import type { IndexedRecord, IndexedSpace, IndexedTags, OwnerManifests, OwnerSpace, RegistryIndex } from './registry-index';
import { splitUrlLogin, type UrlLogin } from '../../config/url-login';

export class IndexUnavailableError extends Error {
  override readonly name = 'IndexUnavailableError';
}

interface RecordRow {
  cid: string | null;
  blockNumber: number;
  account: { id: string };
}

const toRecords = (rows: RecordRow[]): IndexedRecord[] =>
  rows.flatMap((row) => (row.cid ? [{ cid: row.cid, account: row.account.id, blockNumber: row.blockNumber }] : [])).sort((a, b) => b.blockNumber - a.blockNumber);

/** The `where` of the space that owns a name: by id when chain state named it, else the index's own view. */
function ownerWhere(repo: string, ownerSpace: OwnerSpace): string {
  return ownerSpace === undefined ? `{ name_eq: ${JSON.stringify(repo)}, isNameOwner_eq: true }` : `{ id_eq: ${JSON.stringify(ownerSpace)} }`;
}

const SPACE_FIELDS = 'id blockNumber owner { id }';
type SpaceRow = { id: string; blockNumber: number; owner: { id: string } };
const toSpace = (row: SpaceRow | null | undefined): IndexedSpace | undefined => (row ? { id: row.id, owner: row.owner.id, blockNumber: row.blockNumber } : undefined);

/** Queries in flight at once unless told: `hcr graphql`'s default GQL_MAX_CONCURRENT_PER_CLIENT. */
export const DEFAULT_INDEX_CONCURRENCY = 8;
/** Times a query refused with 429 is sent again unless told. */
export const DEFAULT_INDEX_RETRIES = 3;
/** The wait after a 429 without a readable Retry-After, as `hcr graphql` asks for. */
const DEFAULT_RETRY_AFTER_MS = 1_000;

export interface GraphqlIndexOptions {
  /** One query's deadline (ms): waiting for a place, every attempt and every wait between them. */
  timeoutMs?: number;
  /** Queries sent at once: at most the server's per-client bound (a 429 naming a smaller one lowers it). */
  maxConcurrent?: number;
  /** Times a query refused with 429 is sent again. */
  maxRetries?: number;
}

export class GraphqlIndex implements RegistryIndex {
  readonly #url: string;
  readonly #login: UrlLogin;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #places: QueryPlaces;

  constructor(url: string, options: GraphqlIndexOptions = {}) {
    this.#login = splitUrlLogin(url);
    // Named in messages without its password.
    this.#url = this.#login.shown;
    this.#timeoutMs = options.timeoutMs ?? 3_000;
    this.#maxRetries = wholeNumber('maxRetries', options.maxRetries ?? DEFAULT_INDEX_RETRIES, 0);
    this.#places = new QueryPlaces(wholeNumber('maxConcurrent', options.maxConcurrent ?? DEFAULT_INDEX_CONCURRENCY, 1));
  }

  /** How many queries it sends at once now (lowered by a 429 that names a smaller bound). */
  get maxConcurrent(): number {
    return this.#places.limit;
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

  async manifestRecords(name: RepositoryName, digest: string): Promise<IndexedRecord[]> {
    const data = await this.#query<{ manifests: RecordRow[]; digestInfoRecords: RecordRow[] }>(
      `query($image: String!, $digest: String!) {
        manifests(where: { digest_eq: $digest, image: { name_eq: $image } }) { cid blockNumber account { id } }
        digestInfoRecords(where: { digest_eq: $digest, digestType_eq: Json }, orderBy: blockNumber_DESC) { cid blockNumber account { id } }
      }`,
      { image: name.image, digest },
    );
    return toRecords([...data.manifests, ...data.digestInfoRecords]);
  }

  async digestRecords(digest: string): Promise<IndexedRecord[]> {
    const data = await this.#query<{ digestInfoRecords: RecordRow[] }>(
      'query($digest: String!) { digestInfoRecords(where: { digest_eq: $digest }, orderBy: blockNumber_DESC) { cid blockNumber account { id } } }',
      { digest },
    );
    return toRecords(data.digestInfoRecords);
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
    );
    if (data.images.length === 0) return undefined;
    const tags = data.images.flatMap((image) => image.tags.flatMap((t) => (t.name ? [{ tag: t.name, ...(t.digest ? { digest: t.digest } : {}) }] : [])));
    return { tags, indexedBlock: data.squidStatus?.height ?? -1 };
  }

  async repositories(): Promise<string[]> {
    const data = await this.#query<{ images: { name: string | null; space: { name: string | null } }[] }>('{ images(where: { space: { isNameOwner_eq: true } }) { name space { name } } }', {});
    return data.images.flatMap((i) => (i.name && i.space.name ? [`${i.space.name}/${i.name}`] : []));
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

  async #query<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const endsAt = Date.now() + this.#timeoutMs;
    const body = JSON.stringify({ query, variables });
    let release = await this.#place(deadline, false);
    try {
      for (let retries = 0; ; retries += 1) {
        const response = await this.#post(body, deadline);
        if (response.status !== 429) return await this.#data<T>(response);
        const refusal = (await response.json().catch(() => undefined)) as Refusal | undefined;
        this.#places.lower(refusal?.errors?.[0]?.extensions?.maxConcurrentPerClient);
        const waitMs = retryAfterMs(response.headers.get('retry-after'));
        const busy = `the index at ${this.#url} answered 429 (too many requests at once from this gateway)`;
        if (retries >= this.#maxRetries) throw new IndexUnavailableError(`${busy} ${retries + 1} times in a row: other clients at this gateway's address share its bound; raise GQL_MAX_CONCURRENT_PER_CLIENT on the index (0: no bound), or give the gateway an index of its own`);
        if (Date.now() + waitMs >= endsAt) throw new IndexUnavailableError(`${busy} and asked to wait ${Math.ceil(waitMs / 1000)} s, past this query's deadline of ${this.#timeoutMs} ms`);
        // While it waits, its place goes to a query within the (maybe lowered) bound; then it
        // is first in line. Queries refused together and sent again together would be refused again.
        release();
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        release = await this.#place(deadline, true);
      }
    } finally {
      release();
    }
  }

  async #place(deadline: AbortSignal, first: boolean): Promise<() => void> {
    try {
      return await this.#places.take(deadline, first);
    } catch {
      throw new IndexUnavailableError(`the index at ${this.#url} was not asked: this gateway's ${this.#places.limit} queries at a time (the index's bound per client) were all running until this query's deadline of ${this.#timeoutMs} ms`);
    }
  }

  async #post(body: string, deadline: AbortSignal): Promise<Response> {
    try {
      return await fetch(this.#login.url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...this.#login.headers }, body, signal: deadline });
    } catch (error) {
      throw new IndexUnavailableError(`the index at ${this.#url} did not answer (${(error as { cause?: Error }).cause?.message ?? (error as Error).message})`);
    }
  }

  async #data<T>(response: Response): Promise<T> {
    const body = (await response.json().catch(() => undefined)) as { data?: T; errors?: { message: string }[] } | undefined;
    if (!response.ok || !body?.data || body.errors?.length) {
      throw new IndexUnavailableError(`the index at ${this.#url} answered HTTP ${response.status}${body?.errors?.length ? `: ${body.errors.map((e) => e.message).join('; ')}` : ''}`);
    }
    return body.data;
  }
}

/** The body of `hcr graphql`'s 429: its error names the bound per client. */
type Refusal = { errors?: { extensions?: { maxConcurrentPerClient?: unknown } }[] };

/** Retry-After as seconds or an HTTP date; anything else waits as `hcr graphql` asks by default. */
export function retryAfterMs(header: string | null): number {
  const text = header?.trim() ?? '';
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, at - Date.now());
}

function wholeNumber(name: string, value: number, least: number): number {
  if (!Number.isInteger(value) || value < least) throw new Error(`the index client's ${name} must be a whole number of at least ${least}, got ${value}`);
  return value;
}

/**
 * At most `limit` queries at once, the others waiting in order of arrival (a query sent again
 * after a 429 first) until a place is free or their deadline passes. A waiting query that gives up
 * leaves the line; a place is given back once.
 */
class QueryPlaces {
  #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Takes a server's bound as this client's own when it is smaller (never 0: that means no bound). */
  lower(bound: unknown): void {
    if (typeof bound === 'number' && Number.isInteger(bound) && bound >= 1 && bound < this.#limit) this.#limit = bound;
  }

  take(deadline: AbortSignal, first = false): Promise<() => void> {
    if (deadline.aborted) return Promise.reject(deadline.reason);
    if (this.#running < this.#limit && this.#waiting.length === 0) return Promise.resolve(this.#hold());
    return new Promise((resolve, reject) => {
      const turn = () => {
        deadline.removeEventListener('abort', giveUp);
        resolve(this.#hold());
      };
      const giveUp = () => {
        const at = this.#waiting.indexOf(turn);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(deadline.reason);
      };
      deadline.addEventListener('abort', giveUp, { once: true });
      if (first) this.#waiting.unshift(turn);
      else this.#waiting.push(turn);
    });
  }

  #hold(): () => void {
    this.#running += 1;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#running -= 1;
      while (this.#running < this.#limit && this.#waiting.length > 0) this.#waiting.shift()!();
    };
  }
}
