// Blobs committed through this gateway: digest → CID and size, with when they were committed
// and whether a recorded manifest references them. A manifest may reference them before they
// are on chain; blobs no manifest references are removed after a configurable time.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { boundedMap } from '../bounded-map';

export interface LocalBlob {
  readonly digest: string;
  readonly cid: string;
  readonly size: number;
  readonly committedAt: number;
  /** When a manifest referencing it was recorded on chain. */
  readonly referencedAt?: number;
}

export class LocalBlobs {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  // Digests reach here validated (sha256:<64 hex>), so the file name is safe.
  #file(digest: string): string {
    return join(this.#dir, `${digest.replace(':', '-')}.json`);
  }

  async get(digest: string): Promise<LocalBlob | undefined> {
    try {
      return JSON.parse(await readFile(this.#file(digest), 'utf8')) as LocalBlob;
    } catch {
      return undefined;
    }
  }

  async put(blob: LocalBlob): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const file = this.#file(blob.digest);
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, JSON.stringify(blob));
    await rename(temporary, file);
  }

  async markReferenced(digests: Iterable<string>, at = Date.now()): Promise<void> {
    // A few at a time: a manifest's layers each cost a read and a write of a small file.
    await boundedMap([...new Set(digests)], 8, async (digest) => {
      const blob = await this.get(digest);
      if (blob && !blob.referencedAt) await this.put({ ...blob, referencedAt: at });
    });
  }

  async remove(digest: string): Promise<void> {
    await rm(this.#file(digest), { force: true });
  }

  async list(): Promise<LocalBlob[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      return [];
    }
    const blobs = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => this.get(n.slice(0, -5).replace('-', ':'))));
    return blobs.filter((b): b is LocalBlob => b !== undefined);
  }
}
