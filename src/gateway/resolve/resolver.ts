// Where a tag or digest's bytes are: candidate CIDs in order of trust. Content pushed through
// this gateway first, then what the repository's owner recorded (from the index), then chain
// storage (current but last-writer-wins), then anyone else's records. Every candidate is still
// verified against the digest before a byte is served (VerifiedContent).
import type { RepositoryName } from '../oci/reference';
import type { LocalBlobs } from '../storage/local-blobs';
import type { ChainReader } from './chain-reader';
import type { IndexedRecord, RegistryIndex } from './registry-index';

export interface Candidate {
  readonly cid: string;
  /** Where the CID came from, for error messages. */
  readonly source: string;
}

export interface ResolverLog {
  (line: string): void;
}

const OWNER_TTL_MS = 30_000;

export class Resolver {
  readonly #chain: ChainReader;
  readonly #index?: RegistryIndex;
  readonly #local: LocalBlobs;
  readonly #log: ResolverLog;
  readonly #owners = new Map<string, { owner: string | undefined; at: number }>();

  constructor(deps: { chain: ChainReader; index?: RegistryIndex; local: LocalBlobs; log: ResolverLog }) {
    this.#chain = deps.chain;
    this.#index = deps.index;
    this.#local = deps.local;
    this.#log = deps.log;
  }

  get chain(): ChainReader {
    return this.#chain;
  }

  get index(): RegistryIndex | undefined {
    return this.#index;
  }

  /**
   * Tag → digest. Chain storage first while the chain is connected: a tag can move, and the
   * chain has the current value in one read while the index may lag behind it. The index
   * answers when the chain cannot.
   */
  async tagDigest(name: RepositoryName, tag: string): Promise<string | undefined> {
    let chainError: unknown;
    try {
      return await this.#chain.tagDigest(name, tag);
    } catch (error) {
      chainError = error;
    }
    if (this.#index) {
      try {
        const digest = await this.#index.tagDigest(name, tag);
        if (digest) return digest;
      } catch (error) {
        this.#log(`index: ${(error as Error).message}`);
      }
    }
    // Neither source could say: "unknown" would be a guess, so the answer is "retry later".
    throw chainError;
  }

  async manifestCandidates(name: RepositoryName, digest: string): Promise<Candidate[]> {
    return this.#candidates(name, digest, [
      this.#fromIndex('index', () => this.#index!.manifestRecords(name, digest)),
      this.#fromChain(async () => {
        const byImage = await this.#chain.imageManifestCid(name, digest);
        const info = await this.#chain.digestInfo(digest);
        return [
          ...(byImage ? [{ cid: byImage, source: `chain ImageDigestToCid(${name.image})` }] : []),
          ...(info?.cid.text ? [{ cid: info.cid.text, source: `chain DigestInfoStorage (${info.digestType})` }] : []),
        ];
      }),
    ]);
  }

  async blobCandidates(name: RepositoryName, digest: string): Promise<Candidate[]> {
    return this.#candidates(name, digest, [
      this.#fromIndex('index', () => this.#index!.digestRecords(digest)),
      this.#fromChain(async () => {
        const info = await this.#chain.digestInfo(digest);
        return info?.cid.text ? [{ cid: info.cid.text, source: `chain DigestInfoStorage (${info.digestType})` }] : [];
      }),
    ]);
  }

  /** The owner of the space named `repo`: from chain storage, else the index. */
  async ownerOf(repo: string): Promise<string | undefined> {
    const cached = this.#owners.get(repo);
    if (cached && Date.now() - cached.at < OWNER_TTL_MS) return cached.owner;
    let owner: string | undefined;
    try {
      owner = (await this.#chain.space(repo))?.owner;
    } catch {
      owner = await this.#index?.spaceOwner(repo).catch(() => undefined);
    }
    this.#owners.set(repo, { owner, at: Date.now() });
    return owner;
  }

  async #candidates(name: RepositoryName, digest: string, sources: Promise<SourceResult>[]): Promise<Candidate[]> {
    const local = await this.#local.get(digest);
    const [indexed, chained] = await Promise.all(sources);
    const owner = indexed.records.length > 0 ? await this.ownerOf(name.repo).catch(() => undefined) : undefined;
    const byOwner = indexed.records.filter((r) => owner !== undefined && r.account === owner);
    const others = indexed.records.filter((r) => !(owner !== undefined && r.account === owner));
    const ordered: Candidate[] = [
      ...(local ? [{ cid: local.cid, source: 'pushed through this gateway' }] : []),
      ...byOwner.map((r) => ({ cid: r.cid, source: `recorded by the owner of ${name.repo} in block ${r.blockNumber}` })),
      ...chained.candidates,
      ...others.map((r) => ({ cid: r.cid, source: `recorded by ${r.account} in block ${r.blockNumber}` })),
    ];
    const seen = new Set<string>();
    const unique = ordered.filter((c) => !seen.has(c.cid) && seen.add(c.cid));
    // Without any candidate, an unreachable chain means "unknown", not "absent".
    if (unique.length === 0 && chained.error) throw chained.error;
    return unique;
  }

  async #fromIndex(label: string, read: () => Promise<IndexedRecord[]>): Promise<SourceResult> {
    if (!this.#index) return { records: [], candidates: [] };
    try {
      return { records: await read(), candidates: [] };
    } catch (error) {
      this.#log(`${label}: ${(error as Error).message}; resolving through chain storage`);
      return { records: [], candidates: [] };
    }
  }

  async #fromChain(read: () => Promise<Candidate[]>): Promise<SourceResult> {
    try {
      return { records: [], candidates: await read() };
    } catch (error) {
      return { records: [], candidates: [], error };
    }
  }
}

interface SourceResult {
  readonly records: IndexedRecord[];
  readonly candidates: Candidate[];
  readonly error?: unknown;
}
