// A live mirror of spaces: every manifest and blob their tags reference, kept pinned in this
// gateway's store, fetched (from the shared IPFS node or from peers) as soon as the chain
// finalizes the push that records it, with no pull needed. Tags resolve as pulls do (the name
// owner's records) and every byte is verified against its digest on the way in. The status says
// what is mirrored, what is missing and why, and since when.
//
// Chain records are anyone's to write (DigestInfoStorage is last-writer-wins), so the mirror
// trusts none of them: a blob is fetched only when its CID holds the size the manifest gives it
// (a repointed digest cannot make it download and pin a stranger's huge file), what it verified
// and pinned is recorded as held here (a later repoint cannot make its copy unreachable), a
// record it cannot read (an image name no pull could ask for) is passed over rather than ending
// the pass, and what stays missing is tried again less and less often, after newer pushes.
//
// A new block costs a read per space and image and the one scan of every tag that block costs
// any reader (chain-reader.ts), or with the index one query per image, not a read per tag: a tag
// whose listed digest is the one already mirrored is not resolved again. What the mirror tracks
// as held follows what the tags name now (pinned-trees.ts): content no tag names any more stays
// pinned, but is no longer tracked.
import type { ApiPromise } from '@polkadot/api';
import type { MirrorCounts } from '../../observability/gateway-metrics';
import { checkRepoName } from '../../chain/validate';
import { scrub } from '../../observability/redact';
import type { GatewayContext } from '../context';
import { isSha256Digest, parseName, parseReference, type RepositoryName } from '../oci/reference';
import { PinnedTrees } from './pinned-trees';
import { ChainConnectionError } from '../../chain/chain-connection-error';
import { BlobStoreUnavailableError } from '../../ipfs/errors';
import { ChainUnavailableError } from '../errors/from-internal';
import { IndexUnavailableError } from '../resolve/index-http';

export interface MirroredTag {
  readonly repository: string;
  readonly tag: string;
  readonly digest?: string;
  readonly state: 'mirrored' | 'missing';
  /** When it reached that state (ISO time). */
  readonly since: string;
  /** Why it is missing. */
  readonly error?: string;
  /** When a missing tag is tried next (ISO time): sooner after a new push of it. */
  readonly nextTry?: string;
}

export interface MirrorStatus {
  readonly spaces: readonly string[];
  readonly startedAt: string;
  /** The finalized block the last complete pass looked at. */
  readonly lastPass?: { readonly at: string; readonly block: number };
  readonly mirrored: number;
  readonly missing: number;
  /** Why the last pass failed (the chain or the index unreachable), until one succeeds. */
  readonly lastFailure?: { readonly at: string; readonly error: string };
  readonly tags: readonly MirroredTag[];
}

interface ListedTag {
  readonly key: string;
  readonly name: RepositoryName;
  readonly tag: string;
  /**
   * The digest the owner's records give it: from chain storage's one scan of every tag each block
   * costs anyway, or from the index's listing of the image. Only ever compared with the digest a
   * pull resolved before, to tell the tag has not moved; absent when that cannot be told.
   */
  readonly digest?: string;
}

/** A tag as an image's listing gives it. */
interface TagListing {
  readonly tag: string;
  readonly digest?: string;
}

/** What status() and counts() need that takes a walk of every tag: built at most every VIEW_REFRESH_MS while a pass runs. */
interface StatusView {
  readonly at: number;
  readonly ordered: readonly MirroredTag[];
  readonly oldestMissingSince?: number;
}

/** Passes start at most this often, however fast blocks come. */
const MIN_PASS_INTERVAL_MS = 1_000;
/** While something is missing (or a pass failed), a pass runs this often even without a new block. */
const RETRY_MISSING_MS = 5_000;
/** A missing tag waits this long before its next try at most (the wait doubles from RETRY_MISSING_MS). */
const MAX_RETRY_MS = 10 * 60_000;
/** The longest reason shown for a missing tag: a digest may have any number of records, each named. */
const MAX_ERROR_CHARS = 500;
/**
 * While a pass runs, the status's list of tags (and the oldest missing tag's time) is rebuilt at
 * most this often: a pass may change 40,000 tags (a stranger contesting the name), and a status
 * request between each change would otherwise sort them all each time. Such a status may be this
 * much behind the pass (its counts are not: they are kept as tags change); once no pass runs it
 * is exact.
 */
const VIEW_REFRESH_MS = 1_000;

export class Mirror {
  readonly #ctx: GatewayContext;
  readonly #api: ApiPromise;
  readonly #spaces: readonly string[];
  readonly #startedAt = new Date().toISOString();
  readonly #tags = new Map<string, MirroredTag>();
  /** The tags in each state, kept as tags change: counts() and status() walk no tags for them. */
  #mirroredCount = 0;
  #missingCount = 0;
  /**
   * The tags ordered by key (`repository:tag`) and the oldest missing one's time, built by one
   * sort and walk, and rebuilt only once tags changed since: while a pass runs, at most every
   * VIEW_REFRESH_MS (see #view). GET /mirror pages through them; sorting every tag for each
   * request cost a large mirror's gateway O(n log n) per request, which anyone allowed to read
   * the status could ask for at will.
   */
  #built?: StatusView;
  #changed = false;
  /** The trees of the manifests listed tags name, pinned here already: later passes skip them. */
  readonly #held = new PinnedTrees();
  /**
   * Missing tags: when each is tried next, how long it waited last, and the digest the listing
   * gave the tag when it failed (while the listing gives the same, a pass before `at` skips it).
   * `outage` marks a tag whose last try failed because the chain or the index could not be
   * reached: that try said nothing of its content, so a lookup that succeeds goes on at once.
   */
  readonly #backoff = new Map<string, { at: number; wait: number; listed?: string; outage?: boolean }>();
  /** Names on chain no pull could ask for, logged once each. */
  readonly #unreadable = new Set<string>();
  #lastPass?: { at: string; block: number };
  #lastFailure?: { at: string; error: string };
  #running?: Promise<void>;
  #again = false;
  #unsubscribe?: () => void;
  #retry?: NodeJS.Timeout;
  #subscribing?: NodeJS.Timeout;
  #block = 0;
  #stopped = false;

  constructor(ctx: GatewayContext, api: ApiPromise, spaces: readonly string[]) {
    this.#ctx = ctx;
    this.#api = api;
    // Checked at start: an image (`acme/web`) or a capitalised name given as a space would match
    // no image, and the mirror would run holding nothing, its status saying nothing is missing.
    for (const space of spaces) {
      try {
        checkRepoName(space);
      } catch (error) {
        throw new Error(`cannot mirror ${JSON.stringify(space)}: ${(error as Error).message}; --mirror and hcr mirror take spaces (acme), and mirror every image of each`);
      }
    }
    // Each once: a space named twice would be read twice a pass.
    this.#spaces = [...new Set(spaces)];
  }

  /**
   * A first pass now, and one after every newly finalized block. A chain that cannot be followed
   * yet (down at start) is asked again every few seconds: the mirror starts once it answers.
   */
  async start(): Promise<void> {
    // What could not be fetched (a peer down, content still propagating) is tried again.
    this.#retry = setInterval(() => {
      if (this.#lastFailure || this.#missingCount > 0) this.#schedule(this.#block);
    }, RETRY_MISSING_MS);
    this.#retry.unref();
    await this.#subscribe();
  }

  async #subscribe(): Promise<void> {
    try {
      const unsubscribe = (await this.#api.rpc.chain.subscribeFinalizedHeads((header) => this.#schedule(header.number.toNumber()))) as unknown as () => void;
      if (this.#stopped) return unsubscribe();
      this.#unsubscribe = unsubscribe;
    } catch (error) {
      if (this.#stopped) return;
      this.#lastFailure = { at: new Date().toISOString(), error: shown(`could not follow the chain's finalized blocks (${(error as Error).message}); trying again`) };
      this.#ctx.log(`mirror: ${this.#lastFailure.error}`);
      this.#subscribing = setTimeout(() => void this.#subscribe(), RETRY_MISSING_MS);
      this.#subscribing.unref();
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearInterval(this.#retry);
    clearTimeout(this.#subscribing);
  }

  /** The status in numbers, for the gateway's metrics. */
  counts(): MirrorCounts {
    return { mirrored: this.#mirroredCount, missing: this.#missingCount, oldestMissingSince: this.#view().oldestMissingSince, lastPassBlock: this.#lastPass?.block };
  }

  status(): MirrorStatus {
    return {
      spaces: this.#spaces,
      startedAt: this.#startedAt,
      lastPass: this.#lastPass,
      mirrored: this.#mirroredCount,
      missing: this.#missingCount,
      ...(this.#lastFailure ? { lastFailure: this.#lastFailure } : {}),
      tags: this.#view().ordered,
    };
  }

  /** The ordered tags and oldest missing time: rebuilt when tags changed, while a pass runs at most every VIEW_REFRESH_MS. */
  #view(): StatusView {
    const built = this.#built;
    if (built && (!this.#changed || (this.#running && Date.now() - built.at < VIEW_REFRESH_MS))) return built;
    let oldestMissingSince: number | undefined;
    for (const tag of this.#tags.values()) {
      if (tag.state !== 'missing') continue;
      const since = Date.parse(tag.since);
      if (oldestMissingSince === undefined || since < oldestMissingSince) oldestMissingSince = since;
    }
    // Ordered by key as strings compare, the order GET /mirror pages in (status-page.ts).
    const ordered = [...this.#tags.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, tag]) => tag);
    this.#changed = false;
    return (this.#built = { at: Date.now(), ordered, oldestMissingSince });
  }

  /** Resolves once a pass that started after this call has finished. */
  async settled(): Promise<void> {
    await this.#running;
  }

  #schedule(block: number): void {
    if (this.#stopped) return;
    this.#block = Math.max(this.#block, block);
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        const started = Date.now();
        await this.#pass(this.#block).then(
          () => (this.#lastFailure = undefined),
          (error: Error) => {
            this.#lastFailure = { at: new Date().toISOString(), error: shown(error.message) };
            this.#ctx.log(`mirror: the pass at block #${block} failed (${error.message}); it is tried again in ${RETRY_MISSING_MS / 1000} s or at the next block`);
          },
        );
        const wait = MIN_PASS_INTERVAL_MS - (Date.now() - started);
        block = this.#block;
        if (this.#again && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      } while (this.#again && !this.#stopped);
    })().finally(() => (this.#running = undefined));
  }

  /**
   * Tags mirrored before and new ones first, then what is still missing and due another try; a
   * new block ends the retries early, so that its pushes do not wait behind content no one serves.
   */
  async #pass(block: number): Promise<void> {
    const listed = await this.#listTags(block);
    // What the chain no longer lists (a tag gone, an image no longer the owner's) is not shown.
    for (const key of [...this.#tags.keys()]) {
      if (listed.has(key)) continue;
      this.#deleteTag(key);
      this.#backoff.delete(key);
    }
    const retries: ListedTag[] = [];
    for (const item of listed.values()) {
      if (this.#stopped) return;
      const known = this.#tags.get(item.key);
      if (known?.state === 'missing') {
        // Its wait not over, and the listing names what it named when it failed: not resolved
        // again. A member may record thousands of tags naming content no one serves; each pass
        // (every block) resolving them all cost a chain read per tag.
        const waiting = this.#backoff.get(item.key);
        if (item.digest !== undefined && waiting?.listed === item.digest && waiting.at > Date.now()) continue;
        retries.push(item);
      }
      // Held, and the chain lists the same digest for it as when it was mirrored: a new block
      // costs this tag no read of its own (its record was in the block's scan of every tag).
      else if (item.digest === undefined || known?.digest !== item.digest || !this.#held.hasTree(item.digest)) await this.#mirrorTag(item, false);
    }
    for (const item of retries) {
      if (this.#stopped || this.#again) return;
      await this.#mirrorTag(item, true);
      // An outage fails every lookup after this one too: where each read waits out its timeout (a
      // chain that hangs rather than refuses), a pass of many retries would hold the next block's
      // pushes for minutes. The rest are tried at the next pass.
      if (this.#backoff.get(item.key)?.outage) break;
    }
    // What no listed tag names any more is no longer tracked (its pins stay: pinned-trees.ts).
    this.#held.keepOnly(new Set([...this.#tags.values()].flatMap((tag) => (tag.state === 'mirrored' && tag.digest ? [tag.digest] : []))));
    this.#lastPass = { at: new Date().toISOString(), block };
  }

  /** How many digests the mirror tracks as held (bounded by what the listed tags name). */
  get trackedDigests(): number {
    return this.#held.size;
  }

  /** Every tag of the spaces' images, by `<space>/<image>:<tag>`, as of finalized block `block`. */
  async #listTags(block: number): Promise<Map<string, ListedTag>> {
    const listed = new Map<string, ListedTag>();
    // The index lists the repositories of every space at once (anyone can add to them): asked once
    // a pass, not once per mirrored space.
    const index = this.#ctx.resolver.index;
    const catalog = index ? await index.repositories().catch(() => undefined) : undefined;
    // The known tags by repository, gathered at the first image whose tags cannot be read: a
    // search of every known tag per such image cost images × tags a pass, and a stranger can make
    // every image's listing fail at once (a shadow space contesting the name).
    let knownByRepository: Map<string, string[]> | undefined;
    for (const space of this.#spaces) {
      for (const name of await this.#imagesOf(space, catalog)) {
        let tags: TagListing[];
        try {
          tags = await this.#tagsOf(name, block);
        } catch (error) {
          knownByRepository ??= groupByRepository(this.#tags);
          // This image's tags cannot be read now: the ones known stay, shown as missing and why.
          for (const key of knownByRepository.get(name.full) ?? []) {
            const known = this.#tags.get(key);
            if (!known) continue;
            listed.set(key, { key, name, tag: known.tag });
            if (known.state !== 'missing') this.#missing(key, name, known.tag, known.digest, error as Error, known);
          }
          continue;
        }
        for (const { tag, digest } of tags) {
          if (!this.#readable(`${name.full}:${tag}`, () => parseReference(tag).kind === 'tag')) continue;
          const key = `${name.full}:${tag}`;
          listed.set(key, { key, name, tag, digest });
        }
      }
    }
    return listed;
  }

  async #mirrorTag({ key, name, tag, digest: listed }: ListedTag, retry: boolean): Promise<void> {
    const before = this.#tags.get(key);
    // The digest the tag names now: when mirroring it fails, the status names it as missing, not
    // the one mirrored before the tag moved.
    let digest: string | undefined;
    let resolved = false;
    try {
      digest = await this.#ctx.resolver.tagDigest(name, tag);
      resolved = true;
      if (!digest) {
        this.#deleteTag(key);
        this.#backoff.delete(key);
        return;
      }
      if (!isSha256Digest(digest)) {
        const recorded = digest;
        digest = undefined;
        throw new Error(`the tag's record names ${JSON.stringify(recorded.slice(0, 80))}, which is no sha256 digest: a pull of the tag fails too, until it is pushed again`);
      }
      // Still missing the same content: tried again once its wait is over. A tag moved to new
      // content is tried at once, and so is one whose last try met an outage: the lookup just
      // answered, so the outage is over, and its content was never tried.
      const waiting = this.#backoff.get(key);
      if (retry && before?.digest === digest && !waiting?.outage && (waiting?.at ?? 0) > Date.now()) return;
      if (!this.#held.hasTree(digest)) {
        const tree = new Set<string>();
        const walked = new Set<string>([digest]);
        await this.#mirrorManifest(name, digest, tree, walked);
        // The walk ended: every manifest it walked is pinned with everything below it.
        this.#held.add(digest, tree, walked);
        this.#ctx.log(`mirror: ${key} (${digest}) is pinned here`);
      }
      this.#backoff.delete(key);
      if (before?.state !== 'mirrored' || before.digest !== digest) this.#setTag(key, { repository: name.full, tag, digest, state: 'mirrored', since: new Date().toISOString() });
    } catch (error) {
      this.#missing(key, name, tag, resolved ? digest : before?.digest, error as Error, before, listed);
    }
  }

  #setTag(key: string, tag: MirroredTag): void {
    this.#count(this.#tags.get(key), -1);
    this.#tags.set(key, tag);
    this.#count(tag, 1);
    this.#changed = true;
  }

  #deleteTag(key: string): void {
    const before = this.#tags.get(key);
    if (!this.#tags.delete(key)) return;
    this.#count(before, -1);
    this.#changed = true;
  }

  #count(tag: MirroredTag | undefined, by: 1 | -1): void {
    if (tag?.state === 'mirrored') this.#mirroredCount += by;
    else if (tag?.state === 'missing') this.#missingCount += by;
  }

  #missing(key: string, name: RepositoryName, tag: string, digest: string | undefined, error: Error, before: MirroredTag | undefined, listed?: string): void {
    const message = shown(error.message);
    const sameContent = before?.state === 'missing' && before.digest === digest;
    const last = this.#backoff.get(key);
    // The chain, the index or the IPFS node down says nothing of the tag's content: its wait does not grow, and
    // it is tried again at the next retry. Doubled at each pass of an outage, the wait of every
    // tag that moved or was missing reached its 10 minutes, and the tags stayed missing that long
    // after the chain came back.
    const outage = isOutage(error);
    const wait = !sameContent || !last ? RETRY_MISSING_MS : outage ? last.wait : Math.min(last.wait * 2, MAX_RETRY_MS);
    const at = Date.now() + (outage ? RETRY_MISSING_MS : wait);
    this.#backoff.set(key, { at, wait, listed, ...(outage ? { outage } : {}) });
    this.#setTag(key, {
      repository: name.full,
      tag,
      digest,
      state: 'missing',
      since: sameContent ? before.since : new Date().toISOString(),
      error: message,
      nextTry: new Date(at).toISOString(),
    });
  }

  /** A manifest, its children and every blob they reference, verified and pinned here. */
  async #mirrorManifest(name: RepositoryName, digest: string, tree: Set<string>, visited: Set<string>): Promise<void> {
    const manifest = await this.#ctx.content.manifest(name, digest);
    await this.#keep(digest, manifest.cid, manifest.bytes.length, 'manifest');
    tree.add(digest);
    this.#ctx.contents.vouchManifest(name, digest, manifest.parsed);
    // A manifest recorded on chain straight, past any gateway, may give a blob any size: none is
    // kept that is bigger than this gateway accepts in a push.
    const limit = this.#ctx.uploadAdmission.limits.maxBlobBytes;
    const tooBig = manifest.parsed.blobs.find((blob) => blob.size > limit);
    if (tooBig) throw new Error(`${name.full}: blob ${tooBig.digest} of ${digest} is ${tooBig.size} bytes, more than this gateway keeps (gateway.limits.uploads.maxBlobBytes, ${limit} bytes); raise the setting to mirror it`);
    for (const blob of manifest.parsed.blobs) {
      if (tree.has(blob.digest)) continue;
      if (this.#held.has(blob.digest)) {
        tree.add(blob.digest);
        continue;
      }
      // Only a CID of the size the manifest gives the blob is read (its root block says it):
      // anyone may point the digest at a huge file, which would otherwise be fetched and pinned
      // whole before its hash showed it is not the blob. Then read whole and hashed against the
      // digest (from peers when this store lacks it), and pinned.
      const found = await this.#ctx.content.blob(name, blob.digest, { skipCache: true, expectedSize: blob.size });
      await this.#keep(blob.digest, found.cid!, found.size, 'blob');
      tree.add(blob.digest);
    }
    // Each child once per tag: an index may list another more than once, and a chain of such
    // indexes would otherwise cost 2^depth visits in a pass that other tags wait behind.
    for (const child of manifest.parsed.children) {
      if (visited.has(child.digest)) continue;
      visited.add(child.digest);
      // Pinned with everything below it for another tag: many indexes (each one record on chain)
      // listing the same thousands of children would otherwise cost a read and a pin check of
      // every child per index.
      if (this.#held.hasWholeManifest(child.digest)) {
        tree.add(child.digest);
        continue;
      }
      await this.#mirrorManifest(name, child.digest, tree, visited);
    }
  }

  /**
   * Pinned, and recorded as held here, referenced (so the cleanup keeps it): a pull then finds
   * this verified copy first, even after someone repoints the digest's chain record elsewhere.
   */
  async #keep(digest: string, cid: string, size: number, kind: 'manifest' | 'blob'): Promise<void> {
    // From the pin to the record: a cleanup sweep judging an old record of the digest meanwhile would unpin it.
    await this.#ctx.local.holds.holding([digest], async () => {
      if (!(await this.#ctx.store.isPinned(cid))) await this.#ctx.store.pin(cid);
      const held = await this.#ctx.local.get(digest);
      if (held?.cid === cid && held.referencedAt !== undefined && (kind === 'blob' || held.kind === 'manifest')) return;
      await this.#ctx.local.keep({ digest, cid, size, committedAt: Date.now(), kind });
      await this.#ctx.local.markReferenced([digest]);
    });
  }

  /** Whether a name read from a record is one a pull could ask for; one that is not is logged once. */
  #readable(what: string, check: () => boolean): boolean {
    try {
      if (check()) return true;
    } catch {
      // Unreadable, as below.
    }
    if (!this.#unreadable.has(what) && this.#unreadable.size < 1_000) {
      this.#unreadable.add(what);
      this.#ctx.log(`mirror: passing over ${JSON.stringify(what.slice(0, 200))}, recorded on chain: no pull can ask for it`);
    }
    return false;
  }

  /** The space's images, from `catalog` (the index's repositories of every space) or, without it, the name's claim. */
  async #imagesOf(space: string, catalog: readonly string[] | undefined): Promise<RepositoryName[]> {
    const names = catalog?.filter((full) => full.startsWith(`${space}/`))
      ?? (await this.#ctx.chain.claim(space))?.owner.imageNames.flatMap((image) => (image.text ? [`${space}/${image.text}`] : []))
      ?? [];
    // Anyone who can write the name's records can write an image name no pull could ask for;
    // it is passed over, not allowed to end every pass.
    return names.flatMap((full) => (this.#readable(full, () => parseName(full) !== undefined) ? [parseName(full)] : []));
  }

  async #tagsOf(name: RepositoryName, block: number): Promise<TagListing[]> {
    const owner = await this.#ctx.resolver.owner(name.repo);
    const index = this.#ctx.resolver.index;
    const listed = index ? await index.tagDigests(name, owner.claim ? owner.spaceId : undefined).catch(() => undefined) : undefined;
    if (listed) {
      // An index that has not seen this block yet may list a tag moved in it at its old digest:
      // its digests then tell nothing, and every tag is resolved as a pull would.
      const current = listed.indexedBlock >= block;
      return listed.tags.map(({ tag, digest }) => ({ tag, digest: current ? digest : undefined }));
    }
    if (owner.claim?.contested) throw new Error(`${name.repo} is contested (another space with the name takes its writes on chain), and without the index (GRAPHQL_URL) this gateway cannot tell the owner's tags apart: they are not mirrored until it has one`);
    // The name is not contested: its records are its owner's, as a pull resolves them.
    return (await this.#ctx.chain.tags(name)).map((record) => ({ tag: record.tag, digest: record.digest }));
  }
}

/** The keys of `tags` by repository. */
function groupByRepository(tags: ReadonlyMap<string, MirroredTag>): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [key, tag] of tags) {
    const keys = grouped.get(tag.repository);
    if (keys) keys.push(key);
    else grouped.set(tag.repository, [key]);
  }
  return grouped;
}

/** The errors that say the chain, the index or this gateway's IPFS node could not be reached or read now. */
const OUTAGES = [ChainUnavailableError, ChainConnectionError, IndexUnavailableError, BlobStoreUnavailableError];

/**
 * Whether a failure is an outage of what the mirror reads through (the chain, the index, its own
 * IPFS node), which says nothing of a tag or its content: one of those errors (or caused by one),
 * or an answer of "retry shortly" (503: a contested name whose index did not answer).
 */
function isOutage(error: unknown): boolean {
  if ((error as { status?: unknown } | undefined)?.status === 503) return true;
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (OUTAGES.some((outage) => e instanceof outage)) return true;
  }
  return false;
}

/** An error as the status shows it: no credentials (a peer's or node's URL may hold some), and short. */
function shown(message: string): string {
  const clean = scrub(message);
  return clean.length > MAX_ERROR_CHARS ? `${clean.slice(0, MAX_ERROR_CHARS)}…` : clean;
}
