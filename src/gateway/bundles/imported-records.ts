// The records of bundles imported into this gateway's data dir (import-bundle.ts): what tags
// pointed at and who owned each name, as of a block. They answer only while neither the chain
// nor the index can be asked; once the chain is reachable again, the chain decides. Read from
// `<data dir>/gateway/imported/`, again whenever a file there changes (an import runs beside a
// stopped or running gateway).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepositoryName } from '../oci/reference';
import type { BlockRef, BundleRecord } from './bundle-record';

export interface ImportedBundle {
  readonly recordCid: string;
  readonly record: BundleRecord;
  readonly importedAt: string;
  readonly confirmed: boolean;
}

export function importedRecordsDir(dataDir: string): string {
  return join(dataDir, 'gateway', 'imported');
}

export class ImportedRecords {
  readonly #dir: string;
  #loaded?: { stamp: string; bundles: ImportedBundle[] };

  constructor(dataDir: string) {
    this.#dir = importedRecordsDir(dataDir);
  }

  /** A tag's digest in the newest imported record that has it, with the block it is as of. */
  async tag(name: RepositoryName, tag: string): Promise<{ digest: string; asOf: BlockRef } | undefined> {
    for (const bundle of await this.#bundles()) {
      const found = bundle.record.tags.find((t) => t.repository === name.full && t.tag === tag);
      if (found) return { digest: found.digest, asOf: bundle.record.chain.block };
    }
    return undefined;
  }

  /** The space that owned a name, as of the newest imported record naming it. */
  async owner(repo: string): Promise<{ spaceId: string; account: string; asOf: BlockRef } | undefined> {
    for (const bundle of await this.#bundles()) {
      const space = bundle.record.spaces.find((s) => s.name === repo);
      if (space) return { spaceId: space.id, account: space.owner, asOf: bundle.record.chain.block };
    }
    return undefined;
  }

  /** The manifests imported for a repository (its tags' and their children's). */
  async manifestsOf(name: RepositoryName): Promise<string[]> {
    const digests = new Set<string>();
    for (const bundle of await this.#bundles()) {
      for (const item of bundle.record.content) if (item.kind === 'manifest' && item.repositories.includes(name.full)) digests.add(item.digest);
    }
    return [...digests];
  }

  /** Every imported bundle, newest block first; re-read when the folder changes. */
  async #bundles(): Promise<ImportedBundle[]> {
    let names: string[];
    try {
      names = (await readdir(this.#dir)).filter((file) => file.endsWith('.json')).sort();
    } catch {
      return [];
    }
    const stamps = await Promise.all(names.map(async (file) => `${file}:${(await stat(join(this.#dir, file)).catch(() => undefined))?.mtimeMs}`));
    const stamp = stamps.join('|');
    if (this.#loaded?.stamp === stamp) return this.#loaded.bundles;
    const bundles: ImportedBundle[] = [];
    for (const file of names) {
      try {
        bundles.push(JSON.parse(await readFile(join(this.#dir, file), 'utf8')) as ImportedBundle);
      } catch {
        // A file being written (or damaged) is passed over; the next read tries again.
      }
    }
    bundles.sort((a, b) => b.record.chain.block.number - a.record.chain.block.number);
    this.#loaded = { stamp, bundles };
    return bundles;
  }
}
