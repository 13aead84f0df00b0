// Verified blob bytes kept as plain files in the data dir, so repeated pulls stream from disk
// instead of re-assembling UnixFS blocks. IPFS stays the source of truth: a file enters the
// cache only after its bytes were hashed and matched the digest (at upload, or while a CID was
// verified), and the least recently used files are dropped past the size limit.
//
// Files are named `<algorithm>-<hex>.blob`. Gateways before this name kept `<algorithm>-<hex>`
// without it, and could keep bytes a racing upload chunk appended after the digest was checked;
// a file read from disk is trusted without hashing it again, so those are deleted at start (each
// blob is read from IPFS, and verified, once more) instead of being served.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { type FileHandle, link, open, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { isSha256Digest } from '../oci/reference';

interface Entry {
  size: number;
  usedAt: number;
}

export class BlobCache {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #entries = new Map<string, Entry>();
  #total = 0;

  constructor(dir: string, maxBytes: number) {
    this.#dir = dir;
    this.#maxBytes = maxBytes;
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.tmp')) continue;
      const digest = digestOfFileName(name);
      if (!digest) {
        rmSync(join(dir, name), { force: true, recursive: true });
        continue;
      }
      const stat = statSync(join(dir, name));
      this.#entries.set(digest, { size: stat.size, usedAt: stat.mtimeMs });
      this.#total += stat.size;
    }
    // A limit lowered since these files were kept (to 0: none) applies now, not at the next one kept.
    void this.#evict().catch(() => undefined);
  }

  get enabled(): boolean {
    return this.#maxBytes > 0;
  }

  #file(digest: string): string {
    return join(this.#dir, cacheFileName(digest));
  }

  /** A path for a file being written; pass it to adopt() once its bytes are verified. */
  temporaryPath(): string {
    return join(this.#dir, `${randomUUID()}.tmp`);
  }

  size(digest: string): number | undefined {
    return this.#entries.get(digest)?.size;
  }

  /** Moves a verified file (same filesystem) into the cache under its digest. */
  async adopt(digest: string, file: string, size: number): Promise<void> {
    if (!this.enabled || size > this.#maxBytes) {
      await rm(file, { force: true });
      return;
    }
    // Exactly the verified bytes: the size of a kept file is read from disk after a restart.
    await truncate(file, size);
    await rename(file, this.#file(digest));
    await this.#record(digest, size);
  }

  /**
   * Caches a verified file that stays where it is (the embedded IPFS store's leaf file) under a
   * second name, a hard link: no bytes are copied. Skipped where the two cannot be linked.
   */
  async adoptLink(digest: string, file: string, size: number): Promise<void> {
    if (!this.enabled || size > this.#maxBytes) return;
    const target = this.#file(digest);
    try {
      await rm(target, { force: true });
      await link(file, target);
    } catch {
      return;
    }
    await this.#record(digest, size);
  }

  async #record(digest: string, size: number): Promise<void> {
    const old = this.#entries.get(digest);
    if (old) this.#total -= old.size;
    this.#entries.set(digest, { size, usedAt: Date.now() });
    this.#total += size;
    await this.#evict();
  }

  /** The cached file, open for reading (the caller closes it), or undefined when not cached. */
  async openFile(digest: string): Promise<FileHandle | undefined> {
    const entry = this.#entries.get(digest);
    if (!entry) return undefined;
    try {
      const handle = await open(this.#file(digest), 'r');
      entry.usedAt = Date.now();
      return handle;
    } catch {
      this.#forget(digest);
      return undefined;
    }
  }

  async remove(digest: string): Promise<void> {
    this.#forget(digest);
    await rm(this.#file(digest), { force: true });
  }

  #forget(digest: string): void {
    const entry = this.#entries.get(digest);
    if (!entry) return;
    this.#total -= entry.size;
    this.#entries.delete(digest);
  }

  async #evict(): Promise<void> {
    if (this.#total <= this.#maxBytes) return;
    const oldest = [...this.#entries].sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [digest] of oldest) {
      if (this.#total <= this.#maxBytes) break;
      await this.remove(digest);
    }
  }
}

const FILE_SUFFIX = '.blob';
// The gateway verifies sha256 digests only; any other name is not one this cache gave.
const FILE_NAME = /^sha256-([0-9a-f]{64})\.blob$/;

/** The name a blob's file has in the cache: `sha256-<hex>.blob`. */
export function cacheFileName(digest: string): string {
  // Callers pass checked digests; should one ever bring chain text ("../../x"), it names no file.
  if (!isSha256Digest(digest)) throw new Error(`${JSON.stringify(digest.slice(0, 80))} is no sha256 digest, so it names no file in the blob cache`);
  return digest.replace(':', '-') + FILE_SUFFIX;
}

/** The digest a cache file holds, or undefined for a name this cache did not give (an older one's). */
function digestOfFileName(name: string): string | undefined {
  const match = FILE_NAME.exec(name);
  return match ? `sha256:${match[1]}` : undefined;
}
