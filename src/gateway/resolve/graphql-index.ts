// RegistryIndex over the indexer's GraphQL API (OpenReader). Every query has a deadline, so a
// slow or stopped index costs a pull at most that long before chain storage answers instead.
import type { RepositoryName } from '../oci/reference';
import type { IndexedRecord, RegistryIndex } from './registry-index';

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

export class GraphqlIndex implements RegistryIndex {
  readonly #url: string;
  readonly #timeoutMs: number;

  constructor(url: string, options: { timeoutMs?: number } = {}) {
    this.#url = url;
    this.#timeoutMs = options.timeoutMs ?? 3_000;
  }

  async tagDigest(name: RepositoryName, tag: string): Promise<string | undefined> {
    const data = await this.#query<{ tags: { digest: string | null }[] }>(
      'query($repo: String!, $image: String!, $tag: String!) { tags(where: { name_eq: $tag, image: { name_eq: $image, space: { name_eq: $repo } } }, limit: 1) { digest } }',
      { repo: name.repo, image: name.image, tag },
    );
    return data.tags[0]?.digest ?? undefined;
  }

  async spaceOwner(repo: string): Promise<string | undefined> {
    const data = await this.#query<{ spaces: { owner: { id: string } }[] }>('query($repo: String!) { spaces(where: { name_eq: $repo }, orderBy: id_ASC) { owner { id } } }', { repo });
    return data.spaces[0]?.owner.id;
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

  async tags(name: RepositoryName): Promise<string[] | undefined> {
    const data = await this.#query<{ images: { tags: { name: string | null }[] }[] }>(
      'query($repo: String!, $image: String!) { images(where: { name_eq: $image, space: { name_eq: $repo } }) { tags { name } } }',
      { repo: name.repo, image: name.image },
    );
    if (data.images.length === 0) return undefined;
    return data.images.flatMap((image) => image.tags.flatMap((t) => (t.name ? [t.name] : [])));
  }

  async repositories(): Promise<string[]> {
    const data = await this.#query<{ images: { name: string | null; space: { name: string | null } }[] }>('{ images { name space { name } } }', {});
    return data.images.flatMap((i) => (i.name && i.space.name ? [`${i.space.name}/${i.name}`] : []));
  }

  async manifestsOf(name: RepositoryName): Promise<{ digest: string; cid: string }[]> {
    const data = await this.#query<{ manifests: { digest: string | null; cid: string | null }[]; digestInfoRecords: { digest: string | null; cid: string | null }[] }>(
      `query($repo: String!, $image: String!) {
        manifests(where: { image: { name_eq: $image, space: { name_eq: $repo } } }) { digest cid }
        digestInfoRecords(where: { digestType_eq: Json, space: { name_eq: $repo } }) { digest cid }
      }`,
      { repo: name.repo, image: name.image },
    );
    return [...data.manifests, ...data.digestInfoRecords].flatMap((r) => (r.digest && r.cid ? [{ digest: r.digest, cid: r.cid }] : []));
  }

  async #query<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new IndexUnavailableError(`the index at ${this.#url} did not answer (${(error as { cause?: Error }).cause?.message ?? (error as Error).message})`);
    }
    const body = (await response.json().catch(() => undefined)) as { data?: T; errors?: { message: string }[] } | undefined;
    if (!response.ok || !body?.data || body.errors?.length) {
      throw new IndexUnavailableError(`the index at ${this.#url} answered HTTP ${response.status}${body?.errors?.length ? `: ${body.errors.map((e) => e.message).join('; ')}` : ''}`);
    }
    return body.data;
  }
}
