// Bytes that match their digest, or a clear error: never anything else. A CID is trusted for a
// digest only after its bytes were hashed and matched (then remembered in VerifiedPairs);
// manifests are read whole and checked before they are sent (and must parse as a manifest: a
// layer recorded as one is refused), blobs are hashed in a streaming
// pass (memory stays bounded) before the first byte goes out, so a repointed CID yields the
// next candidate or an error instead of a truncated download of the wrong content.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type FileHandle, rm } from 'node:fs/promises';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OciError } from '../errors/oci-error';
import { inferMediaType, type ParsedManifest, parseManifest, parseManifestJson } from '../oci/manifest';
import type { RepositoryName } from '../oci/reference';
import type { BlobCache } from '../storage/blob-cache';
import type { GatewayBlobStore } from '../storage/blob-store';
import type { VerifiedPairs } from '../storage/verified-pairs';
import type { Candidate, Resolver } from './resolver';

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

const MANIFEST_CACHE_BYTES = 32 * 1024 * 1024;

export class VerifiedContent {
  readonly #store: GatewayBlobStore;
  readonly #verified: VerifiedPairs;
  readonly #resolver: Resolver;
  readonly #cache: BlobCache;
  readonly #manifestLimit: number;
  readonly #manifests = new Map<string, VerifiedManifest>();
  readonly #facts = new Map<string, ManifestFacts | null>();
  #cachedBytes = 0;

  constructor(deps: { store: GatewayBlobStore; verified: VerifiedPairs; resolver: Resolver; cache: BlobCache; manifestLimit: number }) {
    this.#store = deps.store;
    this.#cache = deps.cache;
    this.#verified = deps.verified;
    this.#resolver = deps.resolver;
    this.#manifestLimit = deps.manifestLimit;
  }

  async manifest(name: RepositoryName, digest: string): Promise<VerifiedManifest> {
    const cached = this.#manifests.get(digest);
    if (cached) return cached;
    const candidates = await this.#resolver.manifestCandidates(name, digest);
    const mismatches: Candidate[] = [];
    for (const candidate of candidates) {
      const bytes = await this.#readBounded(candidate.cid);
      if (bytes === undefined) continue;
      if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== digest) {
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

  async blob(name: RepositoryName, digest: string, options: { skipCache?: boolean } = {}): Promise<VerifiedBlob> {
    const cached = options.skipCache ? undefined : this.#cache.size(digest);
    if (cached !== undefined) return { digest, size: cached };
    const candidates = await this.#resolver.blobCandidates(name, digest);
    const mismatches: Candidate[] = [];
    for (const candidate of candidates) {
      if (this.#verified.isMismatch(digest, candidate.cid)) {
        mismatches.push(candidate);
        continue;
      }
      if (!this.#verified.isVerified(digest, candidate.cid)) {
        const actual = await this.#hashAndCache(digest, candidate.cid);
        if (actual === undefined) continue;
        if (actual !== digest) {
          this.#verified.markMismatch(digest, candidate.cid);
          mismatches.push(candidate);
          continue;
        }
        this.#verified.markVerified(digest, candidate.cid);
      }
      const size = await this.#size(candidate.cid);
      if (size === undefined) continue;
      return { digest, cid: candidate.cid, size };
    }
    throw notFound('BLOB_UNKNOWN', name, digest, candidates, mismatches);
  }

  /** A blob's verified bytes read as a manifest (one uploaded as a blob), or NotAManifestError. */
  async blobAsManifest(name: RepositoryName, digest: string): Promise<VerifiedManifest> {
    const { cid } = await this.blob(name, digest, { skipCache: true });
    const bytes = await this.#readBounded(cid!);
    const parsed = bytes && asManifest(bytes);
    if (!bytes || !parsed) throw new NotAManifestError(name, digest, { cid: cid!, source: 'a blob of this repository' });
    return { digest, cid: cid!, bytes, mediaType: parsed.mediaType, parsed };
  }

  /** The verified blob's file in the gateway's cache, open (the caller closes it), if it is there. */
  cachedFile(blob: VerifiedBlob): Promise<FileHandle | undefined> {
    return this.#cache.openFile(blob.digest);
  }

  /** Streams a verified blob (or a byte range of it) from IPFS. */
  async stream(name: RepositoryName, blob: VerifiedBlob, range?: { offset: number; length: number }): Promise<Readable> {
    // Located through the cache and evicted since: find it in IPFS instead.
    const cid = blob.cid ?? (await this.blob(name, blob.digest, { skipCache: true })).cid!;
    return this.#store.get(cid, range);
  }

  /** Adds a manifest known to be good (pushed here) to the caches. */
  remember(manifest: VerifiedManifest): void {
    if (manifest.bytes.length > MANIFEST_CACHE_BYTES / 8) return;
    this.#manifests.set(manifest.digest, manifest);
    this.#cachedBytes += manifest.bytes.length;
    for (const [key, old] of this.#manifests) {
      if (this.#cachedBytes <= MANIFEST_CACHE_BYTES) break;
      this.#manifests.delete(key);
      this.#cachedBytes -= old.bytes.length;
    }
  }

  /** The referrers facts of a manifest digest, or null when it cannot be read. */
  async facts(name: RepositoryName, digest: string): Promise<ManifestFacts | null> {
    if (this.#facts.has(digest)) return this.#facts.get(digest)!;
    let facts: ManifestFacts | null = null;
    try {
      facts = factsOf(await this.manifest(name, digest));
    } catch (error) {
      if (!(error instanceof OciError) || error.status >= 500) throw error;
    }
    if (facts) this.#facts.set(digest, facts);
    return facts;
  }

  async #readBounded(cid: string): Promise<Buffer | undefined> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of await this.#store.get(cid)) {
        size += (chunk as Uint8Array).length;
        // Bigger than any manifest we accept: it cannot be the manifest.
        if (size > this.#manifestLimit) return Buffer.alloc(0);
        chunks.push(chunk as Uint8Array);
      }
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    return Buffer.concat(chunks);
  }

  /** Hashes a CID's bytes, keeping them in the blob cache when they match `digest`. */
  async #hashAndCache(digest: string, cid: string): Promise<string | undefined> {
    const hash = createHash('sha256');
    const temporary = this.#cache.enabled ? this.#cache.temporaryPath() : undefined;
    const out = temporary ? createWriteStream(temporary) : undefined;
    let size = 0;
    try {
      const source = await this.#store.get(cid);
      await pipeline(
        source,
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            size += chunk.length;
            done(null, chunk);
          },
        }),
        out ?? new Writable({ write: (_chunk, _encoding, done) => done() }),
      );
    } catch (error) {
      if (temporary) await rm(temporary, { force: true });
      if (isMissing(error)) return undefined;
      throw error;
    }
    const actual = `sha256:${hash.digest('hex')}`;
    if (temporary) {
      if (actual === digest) await this.#cache.adopt(digest, temporary, size);
      else await rm(temporary, { force: true });
    }
    return actual;
  }

  async #size(cid: string): Promise<number | undefined> {
    try {
      return (await this.#store.stat(cid)).size;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }
}

function isMissing(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'BlobNotFoundError' || name === 'InvalidCidError';
}

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

function notFound(code: 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN', name: RepositoryName, digest: string, candidates: Candidate[], mismatches: Candidate[]): OciError {
  const what = code === 'MANIFEST_UNKNOWN' ? 'manifest' : 'blob';
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
