// The gateway's records of an import (`blobs/`: digest → CID, `imported/`: the kept bundle
// record), written all or nothing. Each is first written whole into a staging folder of this
// import's own beside them, so a full disk or a failed write stops the import before any record
// the gateway reads has changed; then each is moved into place (a rename within one filesystem),
// the file it replaces kept as a hard link until every move is done, so a move that fails puts
// back what the earlier ones replaced. A gateway reading the folders meanwhile sees each record
// either as it was or as the import leaves it, never half written.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export class RecordWriteError extends Error {
  override readonly name = 'RecordWriteError';
}

/** The folders under `<data dir>/gateway/` an import writes records to. */
export type RecordFolder = 'blobs' | 'imported';
export const RECORD_FOLDERS: readonly RecordFolder[] = ['blobs', 'imported'];
/** How a staging folder's name begins (`<data dir>/gateway/.import-<random>`). */
export const STAGING_PREFIX = '.import-';

interface Move {
  readonly folder: RecordFolder;
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

export class StagedRecords {
  readonly #gatewayDir: string;
  /** Named like no record (no `.json`): the gateway's own listings of the folder pass over it. */
  readonly #stagingDir: string;
  /** Set when a failed commit could not put every record back: the earlier versions stay here. */
  #holdsEarlierVersions = false;

  private constructor(gatewayDir: string) {
    this.#gatewayDir = gatewayDir;
    this.#stagingDir = join(gatewayDir, `${STAGING_PREFIX}${randomBytes(6).toString('hex')}`);
  }

  /** A staging area under `gatewayDir` (`<data dir>/gateway`), with a folder for each of the record folders. */
  static async open(gatewayDir: string): Promise<StagedRecords> {
    const staged = new StagedRecords(gatewayDir);
    for (const folder of RECORD_FOLDERS) await mkdir(join(staged.#stagingDir, folder), { recursive: true });
    return staged;
  }

  /** Where to write what is to become `<gatewayDir>/<folder>/<same name>`. */
  folder(folder: RecordFolder): string {
    return join(this.#stagingDir, folder);
  }

  /**
   * Moves every staged record into place, or none: a move that fails puts back what the earlier
   * ones replaced (and removes what they added) before the error goes on. Files not ending in
   * `.json` (a write's own temporary) are left behind with the staging area.
   */
  async commit(): Promise<void> {
    const moves: Move[] = [];
    for (const folder of RECORD_FOLDERS) {
      const target = join(this.#gatewayDir, folder);
      await mkdir(target, { recursive: true });
      const names = (await readdir(this.folder(folder))).filter((name) => name.endsWith('.json')).sort();
      for (const name of names) moves.push({ folder, name, from: join(this.folder(folder), name), to: join(target, name) });
    }
    // Kept under their folder and name (previous/blobs/x.json was gateway/blobs/x.json), so that
    // what a commit cut short leaves here says where each file goes back.
    const previous = join(this.#stagingDir, 'previous');
    for (const folder of RECORD_FOLDERS) await mkdir(join(previous, folder), { recursive: true });
    const done: { to: string; kept?: string }[] = [];
    try {
      for (const move of moves) {
        const kept = join(previous, move.folder, move.name);
        const replaces = await link(move.to, kept).then(
          () => true,
          (error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return false;
            throw error;
          },
        );
        await rename(move.from, move.to);
        done.push({ to: move.to, kept: replaces ? kept : undefined });
      }
    } catch (error) {
      const unrestored: string[] = [];
      for (const { to, kept } of done.reverse()) {
        try {
          if (kept) await rename(kept, to);
          else await rm(to, { force: true });
        } catch {
          unrestored.push(to);
        }
      }
      if (unrestored.length) {
        this.#holdsEarlierVersions = true;
        throw new RecordWriteError(`${(error as Error).message}; and ${unrestored.join(', ')} could not be put back as they were (their earlier versions are in ${previous}, under the same folder and name): move them back by hand before importing again`);
      }
      throw error;
    }
  }

  /** Removes the staging area and whatever is left in it, unless it holds records a failed commit could not put back. */
  async discard(): Promise<void> {
    if (this.#holdsEarlierVersions) return;
    await rm(this.#stagingDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
