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

  /** A tag's digest in the first record (see #bundles) that has it and agrees on the name's owner, with the block it is as of. */
  async tag(name: RepositoryName, tag: string): Promise<{ digest: string; asOf: BlockRef } | undefined> {
    for (const bundle of await this.#agreeing(name.repo)) {
      const found = bundle.record.tags.find((t) => t.repository === name.full && t.tag === tag);
      if (found) return { digest: found.digest, asOf: bundle.record.chain.block };
    }
    return undefined;
  }

  /** The space that owned a name, as of the first record (see #bundles) naming it. */
  async owner(repo: string): Promise<{ spaceId: string; account: string; asOf: BlockRef } | undefined> {
    return ownerIn(await this.#bundles(), repo);
  }

  /** The manifests imported for a repository (its tags' and their children's) by records that agree on its owner. */
  async manifestsOf(name: RepositoryName): Promise<string[]> {
    const digests = new Set<string>();
    for (const bundle of await this.#agreeing(name.repo)) {
      for (const item of bundle.record.content) if (item.kind === 'manifest' && item.repositories.includes(name.full)) digests.add(item.digest);
    }
    return [...digests];
  }

  /**
   * The records that name `repo`'s owner as the first record naming it does. A record is a file
   * from elsewhere: one imported --offline (never checked against the chain) could name another
   * space as a name's owner and add tags of its own to the owner's repositories; its tags count
   * only where it agrees on the owner, and a record naming no owner for the name has no say in it
   * (`hcr export` always names it).
   */
  async #agreeing(repo: string): Promise<ImportedBundle[]> {
    const bundles = await this.#bundles();
    const owner = ownerIn(bundles, repo);
    if (!owner) return [];
    return bundles.filter((bundle) => bundle.record.spaces.some((s) => s.name === repo && s.id === owner.spaceId && s.owner === owner.account));
  }

  /**
   * Every imported bundle: those the chain confirmed at import first, then the unconfirmed ones
   * (imported --offline), each newest block first. An unconfirmed record's block number is its own
   * word: ordered by it alone, a made-up later block would put a record no one checked ahead of
   * every record the chain confirmed. Re-read when the folder changes.
   */
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
    bundles.sort((a, b) => Number(b.confirmed === true) - Number(a.confirmed === true) || b.record.chain.block.number - a.record.chain.block.number);
    this.#loaded = { stamp, bundles };
    return bundles;
  }
}

/** The owner the first of `bundles` naming `repo` gives it. */
function ownerIn(bundles: readonly ImportedBundle[], repo: string): { spaceId: string; account: string; asOf: BlockRef } | undefined {
  for (const bundle of bundles) {
    const space = bundle.record.spaces.find((s) => s.name === repo);
    if (space) return { spaceId: space.id, account: space.owner, asOf: bundle.record.chain.block };
  }
  return undefined;
}
