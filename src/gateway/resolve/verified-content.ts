// Bytes that match their digest, or a clear error: never anything else. A CID is trusted for a
// digest only after its bytes were hashed and matched (then remembered in VerifiedPairs).
// Manifests are read whole and checked before they are sent (and must parse as a manifest: a
// layer recorded as one is refused). Blobs are either hashed before they are used (pushes and
// mounts, which record what they found), or, for downloads, hashed while they stream: the first
// byte goes out at once, and if the last one shows other content the connection is cut before
// the body is complete, so a client never accepts wrong bytes (and the next request tries the
// next candidate). Memory stays bounded either way.
import { createHash } from 'node:crypto';
import { type FileHandle, rm } from 'node:fs/promises';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppendFile } from '../../file-io/append-file';
import { CostLru } from '../../limits/cost-lru';
import { OciError } from '../errors/oci-error';
import { inferMediaType, type ParsedManifest, parseManifest, parseManifestJson } from '../oci/manifest';
import type { RepositoryName } from '../oci/reference';
import type { BlobCache } from '../storage/blob-cache';
import type { GatewayBlobStore } from '../storage/blob-store';
import type { VerifiedPairs } from '../storage/verified-pairs';
import { type FactsCache, factsCache } from './facts-cache';
import type { Candidate, Resolver } from './resolver';
import { isUnusable, UnusableCids } from './unusable-cids';

/** The digest of no bytes. */
const EMPTY_DIGEST = `sha256:${createHash('sha256').digest('hex')}`;

export interface VerifiedManifest {
  readonly digest: string;
  readonly cid: string;
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly parsed: ParsedManifest;
}

export interface VerifiedBlob {
  readonly digest: string;
  readonly size: number;
  /** Absent when the bytes come from the gateway's blob cache. */
  readonly cid?: string;
  /** False when the CID's bytes are still to be checked: stream() checks them as they pass. */
  readonly verified: boolean;
}

export interface BlobLookup {
  /** Look past the gateway's blob cache (to find a CID). */
  readonly skipCache?: boolean;
  /**
   * `now` (default): hash a candidate's bytes before answering, as pushes and mounts need.
   * `while-streaming`: answer with the first plausible candidate; stream() verifies it.
   */
  readonly verify?: 'now' | 'while-streaming';
  /** The size the repository's manifests give the blob: candidates of another size are passed over. */
  readonly expectedSize?: number;
  /**
   * What the caller reads of the blob afterwards (default `whole`): a HEAD reads nothing, a range
   * GET a part. A candidate's size then comes without starting a fetch of the whole file from
   * peers for a read to join, unless the candidate is hashed here first (`verify: 'now'`).
   */
  readonly thenReads?: 'whole' | 'part' | 'nothing';
}

/** What the referrers API lists about a manifest. */
export interface ManifestFacts {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly subject?: string;
  readonly annotations?: Record<string, string>;
}

/** Manifests kept whole (the least recently used go first), one at most an eighth of it. */
const MANIFEST_CACHE_BYTES = 32 * 1024 * 1024;
/**
 * How long a manifest that could not be read (not recorded, not in IPFS, no manifest) is not
 * looked up again by the referrers API and the repository walks. An owner can record an index
 * naming thousands of digests that exist nowhere: every one is a manifest of the repository, and
 * each failed lookup costs a local read, an index query and chain reads. Remembered briefly, so
 * that bytes still propagating show up soon; pulls (manifest()) never consult it.
 */
const MISS_TTL_MS = 60_000;
/** Misses remembered at most (the oldest go first): made-up digests must not pile up. */
const MAX_MISSES = 100_000;
export class VerifiedContent {
  readonly #store: GatewayBlobStore;
  readonly #verified: VerifiedPairs;
  readonly #unusable: UnusableCids;
  readonly #resolver: Resolver;
  readonly #cache: BlobCache;
  readonly #manifestLimit: number;
  readonly #manifests = new CostLru<VerifiedManifest>(MANIFEST_CACHE_BYTES, (_digest, manifest) => manifest.bytes.length, MANIFEST_CACHE_BYTES / 8);
  readonly #facts: FactsCache;
  /** `<repository> <digest>` → until when a failed manifest lookup is not repeated (insertion order is expiry order). */
  readonly #misses = new Map<string, number>();

  constructor(deps: { store: GatewayBlobStore; verified: VerifiedPairs; resolver: Resolver; cache: BlobCache; manifestLimit: number; factsCacheBytes?: number }) {
    this.#store = deps.store;
    this.#facts = factsCache(deps.factsCacheBytes);
    this.#cache = deps.cache;
    this.#verified = deps.verified;
    this.#unusable = new UnusableCids(deps.verified);
    this.#resolver = deps.resolver;
    this.#manifestLimit = deps.manifestLimit;
  }

  async manifest(name: RepositoryName, digest: string): Promise<VerifiedManifest> {
    const cached = this.#manifests.get(digest);
    if (cached) return cached;
    const candidates = await this.#resolver.manifestCandidates(name, digest);
    const mismatches: Refused[] = [];
    for (const candidate of candidates) {
      // Found unusable for this digest before (by a manifest read or a blob's): passed over with
      // why, rather than walked again.
      const unusable = this.#unusable.why(digest, candidate.cid);
      if (unusable !== undefined) {
        mismatches.push({ ...candidate, unusable });
        continue;
      }
      let found: BoundedRead;
      try {
        found = await this.#readBounded(candidate.cid);
      } catch (error) {
        // Content no store here serves as a file is not "not in IPFS yet": a CID names it for
        // good, so waiting will not help. Marked, and named in the answer if no other candidate
        // serves the manifest, instead of the retry-later of content still propagating.
        if (!this.#unusable.mark(digest, candidate.cid, error)) throw error;
        mismatches.push(this.#refused(digest, candidate));
        continue;
      }
      if (found === undefined) continue;
      const { bytes, read } = found;
      const matched = bytes !== undefined && `sha256:${createHash('sha256').update(bytes).digest('hex')}` === digest;
      // A file fetched from peers for this check is kept only if it matched (fetched-pins.ts).
      await this.#store.checked?.(candidate.cid, read, matched);
      if (bytes === undefined) {
        // Larger than any manifest: not this one, but not a mismatch of the pair either, since the
        // digest may be a blob's that this CID holds (anyone may ask for a layer as a manifest).
        mismatches.push({ ...candidate, source: `${candidate.source}, more than the ${this.#manifestLimit} bytes of any manifest` });
        continue;
      }
      if (!matched) {
        this.#verified.markMismatch(digest, candidate.cid);
        mismatches.push(candidate);
        continue;
      }
      this.#verified.markVerified(digest, candidate.cid);
      // Every CID of this digest holds these same bytes: if they are no manifest, none is.
      const parsed = asManifest(bytes);
      if (!parsed) throw notAManifest(name, digest, candidate);
      const manifest = { digest, cid: candidate.cid, bytes, mediaType: parsed.mediaType, parsed };
      this.remember(manifest);
      return manifest;
    }
    throw notFound('MANIFEST_UNKNOWN', name, digest, candidates, mismatches);
  }

  async blob(name: RepositoryName, digest: string, options: BlobLookup = {}): Promise<VerifiedBlob> {
    const cached = options.skipCache ? undefined : this.#cache.size(digest);
    if (cached !== undefined) return { digest, size: cached, verified: true };
    const candidates = await this.#resolver.blobCandidates(name, digest);
    const mismatches: Candidate[] = [];
    for (const candidate of candidates) {
      if (this.#verified.isMismatch(digest, candidate.cid)) {
        mismatches.push(this.#refused(digest, candidate));
        continue;
      }
      try {
        const wholeReadFollows = (options.thenReads ?? 'whole') === 'whole' || (options.verify !== 'while-streaming' && !this.#verified.isVerified(digest, candidate.cid));
        const size = await this.#size(candidate.cid, wholeReadFollows);
        if (size === undefined) continue;
        // No bytes have one digest only: a CID of none is surely not another digest's content (and,
        // passed on unverified, would be answered as a complete, empty blob).
        if (size === 0 && digest !== EMPTY_DIGEST) {
          this.#verified.markMismatch(digest, candidate.cid);
          mismatches.push(candidate);
          continue;
        }
        if (options.expectedSize !== undefined && size !== options.expectedSize) {
          mismatches.push(this.sizeMismatch(candidate, size, options.expectedSize));
          continue;
        }
        if (this.#verified.isVerified(digest, candidate.cid)) return { digest, cid: candidate.cid, size, verified: true };
        if (options.verify === 'while-streaming') return { digest, cid: candidate.cid, size, verified: false };
        const actual = await this.#hashAndCache(digest, candidate.cid);
        if (actual === undefined) continue;
        if (actual !== digest) {
          this.#verified.markMismatch(digest, candidate.cid);
          mismatches.push(candidate);
          continue;
        }
        this.#verified.markVerified(digest, candidate.cid);
        return { digest, cid: candidate.cid, size, verified: true };
      } catch (error) {
        // Content no store here serves as a file: passed over now and by every later read.
        if (!this.#unusable.mark(digest, candidate.cid, error)) throw error;
        mismatches.push(this.#refused(digest, candidate));
      }
    }
    throw notFound('BLOB_UNKNOWN', name, digest, candidates, mismatches);
  }

  /**
   * A CID holding another number of bytes than the repository's manifest gives the blob: passed
   * over, as bytes that fail their digest are. It is not remembered as a mismatch of the pair,
   * since the size is only the claim of one repository's manifest (metrics count it).
   */
  sizeMismatch(candidate: Candidate, size: number, expected: number): Candidate {
    return { ...candidate, source: `${candidate.source}, ${size} bytes where the manifest says ${expected}` };
  }

  /** A candidate passed over as a mismatch, with why its content is unusable if that was the fault. */
  #refused(digest: string, candidate: Candidate): Refused {
    const unusable = this.#unusable.why(digest, candidate.cid);
    return unusable === undefined ? candidate : { ...candidate, unusable };
  }

  /**
   * A blob's verified bytes read as a manifest (one uploaded as a blob), or NotAManifestError.
   * Only candidates of `size` (the descriptor's) are read, and none larger than any manifest.
   */
  async blobAsManifest(name: RepositoryName, digest: string, size: number): Promise<VerifiedManifest> {
    if (size > this.#manifestLimit) throw new NotAManifestError(name, digest, { cid: 'not read', source: `a blob of ${size} bytes, more than the ${this.#manifestLimit} of any manifest` });
    const { cid } = await this.blob(name, digest, { skipCache: true, expectedSize: size });
    const found = await this.#readBounded(cid!);
    // The CID's bytes matched the digest just above: whatever was fetched again is the blob's.
    if (found) await this.#store.checked?.(cid!, found.read, true);
    const bytes = found?.bytes;
    const parsed = bytes && asManifest(bytes);
    if (!bytes || !parsed) throw new NotAManifestError(name, digest, { cid: cid!, source: 'a blob of this repository' });
    return { digest, cid: cid!, bytes, mediaType: parsed.mediaType, parsed };
  }

  /** The verified blob's file in the gateway's cache, open (the caller closes it), if it is there. */
  cachedFile(blob: VerifiedBlob): Promise<FileHandle | undefined> {
    return this.#cache.openFile(blob.digest);
  }

  /**
   * Streams a blob (or a byte range of it) from IPFS. Bytes not verified yet are hashed as they
   * pass, and the stream fails at its end if they are not the digest's (the response is then cut
   * short, so no client takes it for the blob); a range of them is verified whole first.
   */
  async stream(name: RepositoryName, blob: VerifiedBlob, range?: { offset: number; length: number }): Promise<Readable> {
    // Located through the cache and evicted since: find it in IPFS instead, of the size the
    // response already announced (its Content-Length): a CID of another size recorded for the
    // digest is passed over, not streamed up to that length.
    const found = blob.cid ? blob : await this.blob(name, blob.digest, { skipCache: true, verify: 'while-streaming', expectedSize: blob.size });
    try {
      return await this.#streamOf(name, found, range);
    } catch (error) {
      // Found unusable before a byte went out (the pair is marked by now): another candidate of
      // the size announced serves the read, or blob() answers that none can, and why.
      if (!isUnusable(error)) throw error;
      return this.stream(name, await this.blob(name, found.digest, { skipCache: true, verify: 'while-streaming', expectedSize: found.size }), range);
    }
  }

  async #streamOf(name: RepositoryName, found: VerifiedBlob, range?: { offset: number; length: number }): Promise<Readable> {
    const cid = found.cid!;
    if (found.verified) return this.#vouched(cid, await this.#get(found.digest, cid, range));
    if (range && (range.offset !== 0 || range.length !== found.size)) {
      const actual = await this.#hashAndCache(found.digest, cid);
      if (actual !== found.digest) {
        if (actual !== undefined) this.#verified.markMismatch(found.digest, cid);
        return this.stream(name, await this.blob(name, found.digest, { skipCache: true, expectedSize: found.size }), range);
      }
      this.#verified.markVerified(found.digest, cid);
      return this.#get(found.digest, cid, range);
    }
    return this.#verifying(found.digest, cid, found.size, await this.#get(found.digest, cid));
  }

  /**
   * The store's read of `cid` for `digest`. Content found unusable, before or while it streams,
   * marks the pair (a read cut short by it would otherwise be repeated by every later pull); an
   * outage or a client hanging up marks nothing.
   */
  async #get(digest: string, cid: string, range?: { offset: number; length: number }): Promise<Readable> {
    let read: Readable;
    try {
      read = await this.#store.get(cid, range);
    } catch (error) {
      this.#unusable.mark(digest, cid, error);
      throw error;
    }
    read.on('error', (error) => this.#unusable.mark(digest, cid, error));
    return read;
  }

  /** A read of bytes verified before: a file it fetches from peers is kept (fetched-pins.ts). */
  #vouched(cid: string, read: Readable): Readable {
    void this.#store.checked?.(cid, read, true).catch(() => undefined);
    return read;
  }

  /**
   * The bytes of `cid` passed through a sha256 check against `digest`, kept in the blob cache when
   * they match. `length` is the size the response announced: no byte past it is passed on, and a
   * source longer or shorter fails as wrong bytes do, before the last byte goes out.
   */
  #verifying(digest: string, cid: string, length: number, source: Readable): Readable {
    const hash = createHash('sha256');
    // A store that keeps a file's bytes as one file (the embedded store, also behind peers, which
    // writes what they send into it) is linked into the cache once the bytes are verified, rather
    // than copied a second time as they pass.
    const store = this.#store;
    const linkable = this.#cache.enabled && store.leafFileOf !== undefined;
    const temporary = this.#cache.enabled && !linkable ? this.#cache.temporaryPath() : undefined;
    // The copy for the cache: a write error ends the copy (nothing is cached), never the download.
    let copy: AppendFile | undefined;
    let copyFailed = false;
    const opening = temporary
      ? AppendFile.create(temporary).then(
          (file) => (copy = file),
          () => (copyFailed = true),
        )
      : undefined;
    let size = 0;
    const verified = this.#verified;
    const cache = this.#cache;
    const discard = () => {
      copyFailed = true;
      if (temporary) void opening!.then(() => copy?.discard()).catch(() => rm(temporary, { force: true }));
    };
    /** Appends a chunk to the copy: it waits only while a full piece of it is still being written. */
    const keep = async (chunk: Buffer) => {
      if (!opening) return;
      await opening;
      if (copy && !copyFailed) await copy.append(chunk).catch(() => discard());
    };
    // The last chunk is held back until the hash is known: if the bytes are wrong, the response
    // ends short of its Content-Length, which every client takes as a failed download. That holds
    // only for a source of exactly that length, so a longer one fails at its first byte past it
    // (the chunk held then is never sent) and a shorter one at its end. Each chunk goes out when
    // the next one comes, except the first, which goes out at once unless it is the whole blob:
    // the first byte of a cold read waits for no second chunk. (Sending every chunk at once was
    // measured too: a cold read through a shared IPFS node fell from about 400 to 110-170 MB/s.)
    let held: Buffer | undefined;
    const refuse = (done: (error: Error) => void, why: string) => {
      verified.markMismatch(digest, cid);
      void store.checked?.(cid, source, false).catch(() => undefined);
      discard();
      held = undefined;
      done(new BlobMismatchError(`the bytes of ${cid} ${why}: the record was repointed; the download is cut short so that no client takes them for the blob`));
    };
    const check = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        // An empty chunk held back would let the one before it, perhaps the last, go out.
        if (chunk.length === 0) return done();
        if (size + chunk.length > length) {
          source.destroy();
          return refuse(done, `run past the ${length} bytes announced for ${digest}`);
        }
        hash.update(chunk);
        size += chunk.length;
        const first = size === chunk.length && size < length;
        const out = first ? chunk : held;
        if (!first) held = chunk;
        // The copy for the cache follows at the pace of the disk, holding no more than its pieces.
        if (!opening) return done(null, out);
        void keep(chunk).then(() => done(null, out));
      },
      flush(done) {
        if (size !== length) return refuse(done, `end after ${size} of the ${length} bytes announced for ${digest}`);
        const actual = `sha256:${hash.digest('hex')}`;
        if (actual !== digest) return refuse(done, `are ${actual}, not ${digest}`);
        // A file fetched from peers for this download is kept only if it matched (fetched-pins.ts).
        void store.checked?.(cid, source, true).catch(() => undefined);
        verified.markVerified(digest, cid);
        if (linkable) {
          void store
            .leafFileOf!(cid)
            .then((file) => (file ? cache.adoptLink(digest, file, size) : undefined))
            .catch(() => undefined)
            .finally(() => done(null, held));
          return;
        }
        if (!opening || !temporary) return done(null, held);
        void opening
          .then(async () => {
            if (!copy || copyFailed) return;
            await copy.finish();
            // Only a copy that took every byte is kept: it is served later without a check.
            if (!copyFailed) void cache.adopt(digest, temporary, size).catch(() => rm(temporary, { force: true }));
          })
          .catch(() => discard())
          .finally(() => done(null, held));
      },
      destroy(error, done) {
        if (error) discard();
        // pipe() does not pass a destroy upstream: a client that hangs up would leave the source
        // paused for good: its read of the store, or its peer fetch with the connection to the peer
        // and the write into the store.
        source.destroy();
        done(error);
      },
    });
    source.on('error', (error) => check.destroy(error));
    return source.pipe(check);
  }

  /** Adds a manifest known to be good (pushed here) to the caches. */
  remember(manifest: VerifiedManifest): void {
    // A digest remembered again (pushed again, read by two requests at once) replaces its entry.
    this.#manifests.set(manifest.digest, manifest);
  }

  /** The referrers facts of a manifest digest, or null when it cannot be read (remembered for MISS_TTL_MS). */
  async facts(name: RepositoryName, digest: string): Promise<ManifestFacts | null> {
    const known = this.knownFacts(name, digest);
    if (known !== undefined) return known;
    const manifest = await this.manifestIfAny(name, digest);
    if (!manifest) return null;
    const facts = factsOf(manifest);
    this.#facts.set(digest, facts);
    return facts;
  }

  /**
   * What facts() answers without a lookup: the facts of a manifest read before, null for one that
   * could not be read a moment ago, undefined when it takes a lookup (the referrers API bounds
   * how many of those one request makes).
   */
  knownFacts(name: RepositoryName, digest: string): ManifestFacts | null | undefined {
    const facts = this.#facts.get(digest);
    if (facts) return facts;
    // Pushed here (remembered) wins over a miss recorded before the push.
    const manifest = this.#manifests.get(digest);
    if (manifest) return factsOf(manifest);
    return this.#missed(name, digest) ? null : undefined;
  }

  /**
   * A verified manifest, or undefined when none can be read (a 4xx: not recorded, not in IPFS,
   * not a manifest), for lookups a stranger can multiply (referrers, repository walks): such a
   * miss is remembered for MISS_TTL_MS. Outages (5xx) throw and are not remembered.
   */
  async manifestIfAny(name: RepositoryName, digest: string): Promise<VerifiedManifest | undefined> {
    const cached = this.#manifests.get(digest);
    if (cached) return cached;
    if (this.#missed(name, digest)) return undefined;
    try {
      return await this.manifest(name, digest);
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === undefined || status >= 500) throw error;
      this.#miss(name, digest);
      return undefined;
    }
  }

  #missed(name: RepositoryName, digest: string): boolean {
    const key = `${name.full} ${digest}`;
    const until = this.#misses.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#misses.delete(key);
    return false;
  }

  #miss(name: RepositoryName, digest: string): void {
    const key = `${name.full} ${digest}`;
    this.#misses.delete(key);
    this.#misses.set(key, Date.now() + MISS_TTL_MS);
    for (const first of this.#misses.keys()) {
      if (this.#misses.size <= MAX_MISSES) break;
      this.#misses.delete(first);
    }
  }

  /**
   * A CID's bytes and the read they came from; `bytes` is undefined when the CID holds more than
   * the manifest limit (never an empty buffer: that would hash as the empty content's digest).
   * Undefined when the store does not have the CID; content it cannot serve as a file
   * (InvalidCidError) throws, for the caller, which knows the digest, to mark.
   */
  async #readBounded(cid: string): Promise<BoundedRead> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let read: Readable;
    try {
      read = await this.#store.get(cid);
      for await (const chunk of read) {
        size += (chunk as Uint8Array).length;
        // Bigger than any manifest we accept: it cannot be the manifest.
        if (size > this.#manifestLimit) return { bytes: undefined, read };
        chunks.push(chunk as Uint8Array);
      }
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    return { bytes: Buffer.concat(chunks), read };
  }

  /** Hashes a CID's bytes, keeping them in the blob cache when they match `digest`. */
  async #hashAndCache(digest: string, cid: string): Promise<string | undefined> {
    const hash = createHash('sha256');
    // As in #verifying: linked into the cache, not copied, where the store keeps the file whole.
    const store = this.#store;
    const linkable = this.#cache.enabled && store.leafFileOf !== undefined;
    const temporary = this.#cache.enabled && !linkable ? this.#cache.temporaryPath() : undefined;
    let size = 0;
    let source: Readable;
    let out: AppendFile | undefined;
    try {
      if (temporary) out = await AppendFile.create(temporary);
      source = await this.#store.get(cid);
      await pipeline(
        source,
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            size += chunk.length;
            done(null, chunk);
          },
        }),
        out ? out.writable() : new Writable({ write: (_chunk, _encoding, done) => done() }),
      );
    } catch (error) {
      await out?.discard().catch(() => undefined);
      if (temporary) await rm(temporary, { force: true });
      if (isNotFound(error)) return undefined;
      this.#unusable.mark(digest, cid, error);
      throw error;
    }
    const actual = `sha256:${hash.digest('hex')}`;
    // A file fetched from peers for this check is kept only if it matched (fetched-pins.ts).
    await this.#store.checked?.(cid, source, actual === digest);
    if (linkable && actual === digest) {
      const file = await store.leafFileOf!(cid).catch(() => undefined);
      if (file) await this.#cache.adoptLink(digest, file, size);
    }
    if (temporary) {
      if (actual === digest) await this.#cache.adopt(digest, temporary, size);
      else await rm(temporary, { force: true });
    }
    return actual;
  }

  async #size(cid: string, wholeReadFollows: boolean): Promise<number | undefined> {
    try {
      return (await this.#store.stat(cid, { wholeReadFollows })).size;
    } catch (error) {
      // An unusable CID is marked by the caller, which knows the digest.
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

/** A stream's bytes turned out not to be its digest's. */
export class BlobMismatchError extends Error {
  override readonly name = 'BlobMismatchError';
}

function isNotFound(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'BlobNotFoundError';
}

/** What #readBounded gives: undefined when the store does not have the CID. */
type BoundedRead = { bytes: Buffer | undefined; read: Readable } | undefined;

/** A candidate passed over, with why its content is unusable when that, not other bytes, was the fault. */
type Refused = Candidate & { readonly unusable?: string };

/** The bytes as a manifest of the type they declare (or, without `mediaType`, their shape), if they are one. */
function asManifest(bytes: Buffer): ParsedManifest | undefined {
  try {
    const body = parseManifestJson(bytes);
    return parseManifest(body, inferMediaType(body));
  } catch {
    return undefined;
  }
}

export function factsOf(manifest: VerifiedManifest): ManifestFacts {
  const { parsed } = manifest;
  return { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.bytes.length, artifactType: parsed.artifactType, subject: parsed.subject?.digest, annotations: parsed.annotations };
}

/** Content recorded (or asked for) as a manifest whose bytes are no manifest: unknown as a manifest. */
export class NotAManifestError extends OciError {
  constructor(name: RepositoryName, digest: string, candidate: Candidate) {
    super('MANIFEST_UNKNOWN', `${name.full}: the content of ${digest} (CID ${candidate.cid}, ${candidate.source}) is not a manifest, so it is not served as one; fetch it from the blobs endpoint if it is a blob of this repository`, { detail: { digest } });
  }
}

function notAManifest(name: RepositoryName, digest: string, candidate: Candidate): OciError {
  return new NotAManifestError(name, digest, candidate);
}

function notFound(code: 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN', name: RepositoryName, digest: string, candidates: Candidate[], mismatches: Refused[]): OciError {
  const what = code === 'MANIFEST_UNKNOWN' ? 'manifest' : 'blob';
  if (mismatches.some((m) => m.unusable !== undefined)) return noUsableCid(code, name, digest, candidates, mismatches);
  if (mismatches.length > 0) {
    return new OciError(
      code,
      `${name.full}: every CID recorded for ${what} ${digest} holds other content (${mismatches.map((m) => `${m.cid} from ${m.source}`).join('; ')}); the record was repointed by another account, so the gateway refuses to serve it. The owner can push the ${what} again to record a correct CID`,
      { detail: { digest, mismatched: mismatches.map((m) => ({ cid: m.cid, source: m.source })) } },
    );
  }
  const message = candidates.length > 0
    ? `${name.full}: ${what} ${digest} is recorded, but IPFS has none of its CIDs (${candidates.map((c) => c.cid).join(', ')}); it may still be propagating, retry later`
    : code === 'MANIFEST_UNKNOWN'
      ? `${name.full}: no manifest ${digest} is recorded; push it first`
      : `${name.full}: blob ${digest} is not recorded on chain nor uploaded here; push it first`;
  return new OciError(code, message, { detail: { digest } });
}

/** No candidate can serve the content, one at least because its content is unusable: says why for each. */
function noUsableCid(code: 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN', name: RepositoryName, digest: string, candidates: Candidate[], refused: Refused[]): OciError {
  const what = code === 'MANIFEST_UNKNOWN' ? 'manifest' : 'blob';
  const reasons = refused.map((m) => `${m.cid} from ${m.source}: ${m.unusable ?? 'other content'}`);
  const absent = candidates.filter((c) => !refused.some((m) => m.cid === c.cid)).map((c) => c.cid);
  return new OciError(
    code,
    `${name.full}: no CID recorded for ${what} ${digest} can be served (${reasons.join('; ')})${absent.length > 0 ? `, and IPFS has none of the others (${absent.join(', ')})` : ''}. The owner can push the ${what} again to record a usable CID`,
    { detail: { digest, unusable: refused.map((m) => ({ cid: m.cid, source: m.source, why: m.unusable ?? 'other content' })) } },
  );
}
