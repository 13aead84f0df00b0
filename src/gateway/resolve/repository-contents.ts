// What belongs to a repository, as in the CNCF distribution registry: a manifest is served in
// <space>/<image> only when the name's owner recorded it (for that image, or by digest for the
// space), or it is a child of one; a blob only when one of those manifests references it, or a
// writer uploaded (or mounted) it there. The chain's digest maps are global and last-writer-wins, so without
// this any space's bytes could be read under any name.
//
// Most requests are answered from what the gateway has already seen: manifests it served or took
// in a repository vouch for what they reference. Otherwise the repository's manifests are walked
// once (the owner's records in the index; without an index, the tags in chain storage while no
// shadow takes the name's writes) and everything they reach is remembered.
import type { ParsedManifest } from '../oci/manifest';
import type { RepositoryName } from '../oci/reference';
import type { LocalBlobs } from '../storage/local-blobs';
import { reportedAlready } from './index-http';
import type { Resolver } from './resolver';
import type { VerifiedContent, VerifiedManifest } from './verified-content';

export type ContentKind = 'manifest' | 'blob';

/** Manifests one walk reads at most: a bound on what one request can cost. */
const MAX_WALK_MANIFESTS = 2_000;
/** A repository is walked again for a digest it lacked at most this often. */
const WALK_INTERVAL_MS = 2_000;
/** Digests remembered over all repositories; the least recently used repository goes first. */
const MAX_REMEMBERED = 500_000;
/**
 * Repositories remembered, with or without digests: any request names one, and made-up names
 * (which hold nothing) must not pile up.
 */
const MAX_REPOSITORIES = 50_000;

interface Member {
  readonly kind: ContentKind;
  /** The size a manifest's descriptor gives it, when one referenced it. */
  readonly size?: number;
}

interface Known {
  readonly digests: Map<string, Member>;
  /**
   * What only imported bundles' records put in the repository, as of the last walk: it counts
   * while the chain and the index cannot be asked, and is never remembered as the repository's
   * (the next walk, once the chain answers again, leaves it empty: the chain decides).
   */
  imported?: Map<string, Member>;
  lastWalk?: { at: number; done: Promise<void> };
}

export class RepositoryContents {
  readonly #resolver: Resolver;
  readonly #content: VerifiedContent;
  readonly #local: LocalBlobs;
  readonly #log: (line: string) => void;
  readonly #repositories = new Map<string, Known>();
  #remembered = 0;
  readonly #maxRepositories: number;

  constructor(deps: { resolver: Resolver; content: VerifiedContent; local: LocalBlobs; log: (line: string) => void; maxRepositories?: number }) {
    this.#resolver = deps.resolver;
    this.#content = deps.content;
    this.#local = deps.local;
    this.#log = deps.log;
    this.#maxRepositories = deps.maxRepositories ?? MAX_REPOSITORIES;
  }

  /** How much is remembered: repositories (with or without digests) and digests over all of them. */
  get remembered(): { repositories: number; digests: number } {
    return { repositories: this.#repositories.size, digests: this.#remembered };
  }

  /** Whether `digest` belongs to the repository as `kind` (a manifest also counts as a blob). */
  async holds(name: RepositoryName, digest: string, kind: ContentKind): Promise<boolean> {
    if (this.#knows(name, digest, kind)) return true;
    const local = await this.#local.get(digest);
    if (local?.repositories?.includes(name.full) && (kind === 'blob' || local.kind === 'manifest')) {
      this.vouch(name, digest, local.kind ?? 'blob', local.size);
      return true;
    }
    await this.#walk(name);
    return this.#knows(name, digest, kind) || isMember(this.#repositories.get(name.full)?.imported?.get(digest), kind);
  }

  /** The manifests of the repository (walked again when the last walk is more than a moment old). */
  async manifests(name: RepositoryName): Promise<string[]> {
    await this.#walk(name);
    const known = this.#repositories.get(name.full);
    const digests = new Map([...(known?.imported ?? []), ...(known?.digests ?? [])]);
    return [...digests].flatMap(([digest, member]) => (member.kind === 'manifest' ? [digest] : []));
  }

  /** The size the repository's manifests give a blob, if one referenced it (known once held). */
  expectedSize(name: RepositoryName, digest: string): number | undefined {
    return this.#repositories.get(name.full)?.digests.get(digest)?.size;
  }

  /** Records that `digest` belongs to the repository (pushed, mounted or uploaded there). */
  vouch(name: RepositoryName, digest: string, kind: ContentKind, size?: number): void {
    const known = this.#known(name);
    const old = known.digests.get(digest);
    if (!old) this.#remembered += 1;
    known.digests.set(digest, { kind: old?.kind === 'manifest' ? 'manifest' : kind, size: size ?? old?.size });
    this.#bound();
  }

  /** A manifest of the repository, and everything it references. */
  vouchManifest(name: RepositoryName, digest: string, manifest: ParsedManifest): void {
    this.vouch(name, digest, 'manifest');
    for (const blob of manifest.blobs) this.vouch(name, blob.digest, 'blob', blob.size);
    for (const child of manifest.children) this.vouch(name, child.digest, 'manifest', child.size);
  }

  #knows(name: RepositoryName, digest: string, kind: ContentKind): boolean {
    const known = this.#repositories.get(name.full);
    if (!isMember(known?.digests.get(digest), kind)) return false;
    // A repository pulled from is in use: it moves to the end of the line to be forgotten.
    this.#repositories.delete(name.full);
    this.#repositories.set(name.full, known!);
    return true;
  }

  #known(name: RepositoryName): Known {
    let known = this.#repositories.get(name.full);
    if (known) this.#repositories.delete(name.full);
    else known = { digests: new Map() };
    // Kept in order of use: the least recently used repository is first, and forgotten first.
    this.#repositories.set(name.full, known);
    this.#bound();
    return known;
  }

  #bound(): void {
    for (const [repository, known] of this.#repositories) {
      if ((this.#remembered <= MAX_REMEMBERED && this.#repositories.size <= this.#maxRepositories) || this.#repositories.size === 1) break;
      this.#remembered -= known.digests.size + (known.imported?.size ?? 0);
      this.#repositories.delete(repository);
    }
  }

  /** Walks the repository's manifests, at most once per interval (concurrent callers share one walk). */
  async #walk(name: RepositoryName): Promise<void> {
    const known = this.#known(name);
    // A walk that imported records stood in for is not reused once the chain is connected again:
    // the chain decides what the repository holds.
    const stale = known.imported !== undefined && this.#resolver.chain.isConnected;
    if (known.lastWalk && !stale && Date.now() - known.lastWalk.at < WALK_INTERVAL_MS) return known.lastWalk.done;
    const done = this.#walkOnce(name);
    known.lastWalk = { at: Date.now(), done };
    // A failed walk (a backend down) is not remembered: the next request tries again.
    done.catch(() => {
      if (known.lastWalk?.done === done) known.lastWalk = undefined;
    });
    return done;
  }

  async #walkOnce(name: RepositoryName): Promise<void> {
    const { roots, imported } = await this.#roots(name);
    const seen = new Set<string>();
    const stopped = await this.#walkFrom(name, roots, seen, (digest, manifest) => this.vouchManifest(name, digest, manifest));
    // What only imported records reach is kept apart, for this walk's while alone.
    const provisional = new Map<string, Member>();
    const add = (digest: string, kind: ContentKind, size?: number) => {
      const old = provisional.get(digest);
      provisional.set(digest, { kind: old?.kind === 'manifest' ? 'manifest' : kind, size: size ?? old?.size });
    };
    const left = stopped || (await this.#walkFrom(name, imported, seen, (digest, manifest) => {
      add(digest, 'manifest');
      for (const blob of manifest.blobs) add(blob.digest, 'blob', blob.size);
      for (const child of manifest.children) add(child.digest, 'manifest', child.size);
    }));
    const known = this.#known(name);
    this.#remembered += provisional.size - (known.imported?.size ?? 0);
    known.imported = provisional.size > 0 ? provisional : undefined;
    this.#bound();
    if (left) this.#log(`${name.full}: stopped after reading ${MAX_WALK_MANIFESTS} manifests; content past them is not served until a manifest that references it is pulled`);
  }

  /** Walks from `roots` (sharing `seen` with the walk's other part); true when it stopped at the bound with manifests left. */
  async #walkFrom(name: RepositoryName, roots: Iterable<string>, seen: Set<string>, found: (digest: string, manifest: ParsedManifest) => void): Promise<boolean> {
    const frontier = [...roots];
    while (frontier.length > 0 && seen.size < MAX_WALK_MANIFESTS) {
      const digest = frontier.pop()!;
      if (seen.has(digest)) continue;
      seen.add(digest);
      const manifest = await this.#read(name, digest);
      if (!manifest) continue;
      found(digest, manifest.parsed);
      frontier.push(...manifest.parsed.children.map((child) => child.digest));
    }
    return frontier.some((digest) => !seen.has(digest));
  }

  /**
   * Where a walk starts: from the index, the manifests the name's owner recorded for this image
   * (by tag or not) and by digest (store_digest_info names a space, not an image, so those belong
   * to every image of the space: index children, referrers); without the index, the image's tags
   * in chain storage, which are the owner's while no shadow takes the name's writes (chain
   * storage does not say who recorded a digest, so manifests pushed by digest elsewhere are not
   * found); and the manifests pushed here.
   */
  async #roots(name: RepositoryName): Promise<{ roots: Set<string>; imported: Set<string> }> {
    const owner = await this.#resolver.owner(name.repo);
    const roots = new Set<string>();
    let indexed = false;
    const index = this.#resolver.index;
    if (index) {
      try {
        const records = await index.ownerManifests(name, owner.claim ? owner.spaceId : undefined);
        for (const { digest } of [...records.image, ...records.json]) roots.add(digest);
        indexed = true;
      } catch (error) {
        if (!reportedAlready(error)) this.#log(`index: ${(error as Error).message}; walking ${name.full} through chain storage`);
      }
    }
    if (!indexed && owner.claim && !owner.claim.contested) {
      // The owner above may be a few seconds old: chain.tags reads the claim with the tags, and
      // refuses them if a shadow took the name's writes since (as a contested owner would skip them).
      const tags = await this.#resolver.chain.tags(name).catch((error: unknown) => {
        if ((error as { code?: string })?.code === 'NAME_CONTESTED') return [];
        throw error;
      });
      for (const { digest } of tags) roots.add(digest);
    }
    for (const digest of await this.#local.manifestsOf(name.full)) roots.add(digest);
    // Neither the chain nor the index answered: imported bundles' records stand in for them, for
    // now only (Known.imported).
    const imported = new Set<string>();
    if (!indexed && !owner.claim) for (const digest of (await this.#resolver.imported?.manifestsOf(name)) ?? []) if (!roots.has(digest)) imported.add(digest);
    return { roots, imported };
  }

  /**
   * A verified manifest, or undefined when it cannot be found or is not a manifest (4xx); outages
   * throw. A miss is remembered for a minute (VerifiedContent.manifestIfAny): an index naming
   * thousands of digests that exist nowhere would otherwise cost a lookup of each on every walk.
   */
  async #read(name: RepositoryName, digest: string): Promise<VerifiedManifest | undefined> {
    return this.#content.manifestIfAny(name, digest);
  }
}

/** Whether `member` is in the repository as `kind` (a manifest also counts as a blob). */
function isMember(member: Member | undefined, kind: ContentKind): boolean {
  return member !== undefined && (kind === 'blob' || member.kind === 'manifest');
}
