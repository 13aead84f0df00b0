// Where a tag or digest's bytes are. Tags resolve through the records of the name's owner only
// (src/chain/name-claims.ts): chain storage while no shadow takes the name's writes, else the
// index, which knows who made each record; with neither, a clear error instead of a guess.
// Content candidates come in order of trust: pushed through this gateway, then what the owner
// recorded (from the index), then chain storage (current but last-writer-wins), then anyone
// else's records. Every candidate is still verified against the digest before a byte is served
// (VerifiedContent).
import type { NameClaim } from '../../chain';
import { isSha256Digest, type RepositoryName } from '../oci/reference';
import type { LocalBlobs } from '../storage/local-blobs';
import type { ChainReader } from './chain-reader';
import { contestedName, unknownSpace } from './name-errors';
import type { BlockRef } from '../bundles/bundle-record';
import type { ImportedRecords } from '../bundles/imported-records';
import type { IndexedRecord, IndexedSpace, OwnerSpace, RegistryIndex } from './registry-index';
import { reportedAlready } from './index-http';

export interface Candidate {
  readonly cid: string;
  /** Where the CID came from, for error messages. */
  readonly source: string;
}

export interface ResolverLog {
  (line: string): void;
}

/** Who owns a name, from chain state (a full claim) or, when the chain is down, the index. */
export interface NameOwner {
  readonly spaceId: string;
  /** SS58 of the owning space's owner. */
  readonly account: string;
  /** Chain state's claim, when it was read. */
  readonly claim?: NameClaim;
}

const OWNER_TTL_MS = 5_000;

/**
 * How many of the CIDs the owner recorded, and of those anyone else recorded, one lookup tries
 * (newest first, after what this gateway holds; chain storage's are always tried). Strangers may
 * record any number of CIDs for any digest: a pull tries, and an error names, at most this many.
 */
export const MAX_OWNER_CANDIDATES = 8;
export const MAX_OTHER_CANDIDATES = 8;

export class Resolver {
  readonly #chain: ChainReader;
  readonly #index?: RegistryIndex;
  readonly #local: LocalBlobs;
  readonly #log: ResolverLog;
  readonly #imported?: ImportedRecords;
  readonly #owners = new Map<string, { owner: Promise<NameOwner>; at: number; imported?: boolean }>();

  constructor(deps: { chain: ChainReader; index?: RegistryIndex; local: LocalBlobs; imported?: ImportedRecords; log: ResolverLog }) {
    this.#chain = deps.chain;
    this.#index = deps.index;
    this.#local = deps.local;
    this.#imported = deps.imported;
    this.#log = deps.log;
  }

  /** Records of imported bundles: what answers while neither the chain nor the index can. */
  get imported(): ImportedRecords | undefined {
    return this.#imported;
  }

  get chain(): ChainReader {
    return this.#chain;
  }

  get index(): RegistryIndex | undefined {
    return this.#index;
  }

  /**
   * Tag → digest in the name owner's records. Chain storage first while the chain is connected
   * and no shadow takes the name's writes: it has the current value in one read, while the index
   * may lag. A contested name resolves through the index's records of the owner's space. When
   * the chain is down, the index answers with its own view of who owns the name.
   */
  async tagDigest(name: RepositoryName, tag: string): Promise<string | undefined> {
    return (await this.resolveTag(name, tag)).digest;
  }

  /**
   * tagDigest, saying when the answer comes from an imported bundle's record (with neither the
   * chain nor the index to ask): `asOf` is then the block that record was read at.
   */
  async resolveTag(name: RepositoryName, tag: string): Promise<{ digest?: string; asOf?: BlockRef }> {
    const found = await this.#resolveTag(name, tag);
    // A tag's digest is anyone's text on chain ("../../x", a megabyte): one no client could
    // verify is no digest, and never reaches a cache lookup or a file name.
    if (found.digest !== undefined && !isSha256Digest(found.digest)) {
      this.#log(`${name.full}:${tag} is recorded as ${JSON.stringify(found.digest.slice(0, 80))}, which is no sha256 digest: taken as no tag`);
      return { ...found, digest: undefined };
    }
    return found;
  }

  async #resolveTag(name: RepositoryName, tag: string): Promise<{ digest?: string; asOf?: BlockRef }> {
    let chainError: unknown;
    try {
      const { claim, digest } = await this.#chain.tagWithClaim(name, tag);
      if (!claim) throw unknownSpace(name.repo);
      if (!claim.contested) return { digest };
      return { digest: await this.#contestedTag(name, tag, claim) };
    } catch (error) {
      if ((error as Error)?.name !== 'ChainUnavailableError') throw error;
      chainError = error;
    }
    // Imported records stand in only while the index cannot say either: an index that knows the
    // name's space and has no such tag of its owner's is not overruled by a file from elsewhere.
    let indexKnowsSpace = false;
    if (this.#index) {
      try {
        const { digest, spaceKnown } = await this.#index.ownerTag(name, tag, undefined);
        if (digest) return { digest };
        indexKnowsSpace = spaceKnown;
      } catch (error) {
        if (!reportedAlready(error)) this.#log(`index: ${(error as Error).message}`);
      }
    }
    const imported = indexKnowsSpace ? undefined : await this.#imported?.tag(name, tag);
    if (imported) return imported;
    // No source could say: "unknown" would be a guess, so the answer is "retry later".
    throw chainError;
  }

  async #contestedTag(name: RepositoryName, tag: string, claim: NameClaim): Promise<string | undefined> {
    if (!this.#index) throw contestedName(name.repo, claim, 'this gateway runs without an index (GRAPHQL_URL), and chain storage alone cannot tell whose records these are', 409);
    let answer: { spaceKnown: boolean; digest?: string };
    try {
      answer = await this.#index.ownerTag(name, tag, claim.owner.id);
    } catch (error) {
      throw contestedName(name.repo, claim, `the index, which tells the owner's records apart, did not answer (${(error as Error).message})`, 503);
    }
    if (!answer.spaceKnown) throw contestedName(name.repo, claim, `the index has not caught up with space ${claim.owner.id} yet`, 503);
    return answer.digest;
  }

  /**
   * The space that owns the name `repo`, or NAME_UNKNOWN. From chain state (cached for a few
   * seconds: ownership by time never changes once a name has an owner), else from the index.
   */
  async owner(repo: string): Promise<NameOwner> {
    const cached = this.#owners.get(repo);
    // An owner only imported records gave is not reused once the chain is connected: it decides.
    if (cached && Date.now() - cached.at < OWNER_TTL_MS && !(cached.imported && this.#chain.isConnected)) return cached.owner;
    const entry: { owner: Promise<NameOwner>; at: number; imported?: boolean } = { owner: undefined as never, at: Date.now() };
    const owner = this.#readOwner(repo, () => (entry.imported = true));
    entry.owner = owner;
    this.#owners.set(repo, entry);
    // Only this lookup's entry: a later one may have replaced it meanwhile.
    owner.catch(() => {
      if (this.#owners.get(repo) === entry) this.#owners.delete(repo);
    });
    return owner;
  }

  async #readOwner(repo: string, fromImported: () => void): Promise<NameOwner> {
    let claim: NameClaim | undefined;
    try {
      claim = await this.#chain.claim(repo);
    } catch (error) {
      if ((error as Error)?.name !== 'ChainUnavailableError') throw error;
      const indexed: IndexedSpace | undefined = await this.#index?.nameOwner(repo).catch(() => undefined);
      if (indexed) return { spaceId: indexed.id, account: indexed.owner };
      const imported = await this.#imported?.owner(repo);
      if (imported) {
        fromImported();
        return { spaceId: imported.spaceId, account: imported.account };
      }
      throw error;
    }
    if (!claim) throw unknownSpace(repo);
    return { spaceId: claim.owner.id, account: claim.owner.owner, claim };
  }

  /** The owner's space id when chain state gave it, for index queries (else the index decides). */
  async ownerSpace(repo: string): Promise<OwnerSpace> {
    const owner = await this.owner(repo);
    return owner.claim ? owner.spaceId : undefined;
  }

  async manifestCandidates(name: RepositoryName, digest: string): Promise<Candidate[]> {
    return this.#candidates(name, digest, 'manifest', [
      this.#fromIndex(name, 'index', (owner) => this.#index!.manifestRecords(name, digest, owner)),
      this.#fromChain(async () => {
        const byImage = await this.#chain.imageManifestCid(name, digest);
        const info = await this.#chain.digestInfo(digest);
        // A digest recorded as a File is a blob, whatever its bytes: only Json records name manifests.
        return [
          ...(byImage ? [{ cid: byImage, source: `chain ImageDigestToCid(${name.image})` }] : []),
          ...(info?.digestType === 'Json' && info.cid.text ? [{ cid: info.cid.text, source: 'chain DigestInfoStorage (Json)' }] : []),
        ];
      }),
    ]);
  }

  async blobCandidates(name: RepositoryName, digest: string): Promise<Candidate[]> {
    return this.#candidates(name, digest, 'blob', [
      this.#fromIndex(name, 'index', (owner) => this.#index!.digestRecords(digest, owner)),
      this.#fromChain(async () => {
        const info = await this.#chain.digestInfo(digest);
        return info?.cid.text ? [{ cid: info.cid.text, source: `chain DigestInfoStorage (${info.digestType})` }] : [];
      }),
    ]);
  }

  async #candidates(name: RepositoryName, digest: string, kind: 'manifest' | 'blob', sources: Promise<SourceResult>[]): Promise<Candidate[]> {
    const local = await this.#local.get(digest);
    const [indexed, chained] = await Promise.all(sources);
    const owner = indexed.owner;
    const byOwner = indexed.records.filter((r) => owner !== undefined && r.account === owner);
    const others = indexed.records.filter((r) => !(owner !== undefined && r.account === owner));
    // Content committed here as a blob is not a manifest's candidate (a layer is no manifest).
    const usableLocal = local && (kind === 'blob' || local.kind === 'manifest') ? local : undefined;
    const ordered: (Candidate & { cap?: 'owner' | 'others' })[] = [
      ...(usableLocal ? [{ cid: usableLocal.cid, source: 'held by this gateway (pushed or imported here)' }] : []),
      ...byOwner.map((r) => ({ cid: r.cid, source: `recorded by the owner of ${name.repo} in block ${r.blockNumber}`, cap: 'owner' as const })),
      ...chained.candidates,
      ...others.map((r) => ({ cid: r.cid, source: `recorded by ${r.account} in block ${r.blockNumber}`, cap: 'others' as const })),
    ];
    const seen = new Set<string>();
    const left = { owner: MAX_OWNER_CANDIDATES, others: MAX_OTHER_CANDIDATES };
    const unique: Candidate[] = ordered
      .filter((c) => !seen.has(c.cid) && seen.add(c.cid) && (c.cap === undefined || left[c.cap]-- > 0))
      .map(({ cid, source }) => ({ cid, source }));
    // Without any candidate, an unreachable chain means "unknown", not "absent".
    if (unique.length === 0 && chained.error) throw chained.error;
    return unique;
  }

  /**
   * The index's records, asked with the name owner's account when it is known, so that the
   * owner's records come in a list of their own that no one else's can grow or crowd out.
   */
  async #fromIndex(name: RepositoryName, label: string, read: (owner: string | undefined) => Promise<IndexedRecord[]>): Promise<SourceResult> {
    if (!this.#index) return { records: [], candidates: [] };
    const owner = (await this.owner(name.repo).catch(() => undefined))?.account;
    try {
      return { records: await read(owner), candidates: [], owner };
    } catch (error) {
      if (!reportedAlready(error)) this.#log(`${label}: ${(error as Error).message}; resolving through chain storage`);
      return { records: [], candidates: [], owner };
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
  /** SS58 of the name's owner, as the index was asked with (undefined when it could not be told). */
  readonly owner?: string;
}

