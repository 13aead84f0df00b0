// Staging folders of imports that never finished (`<data dir>/gateway/.import-*`, see
// staged-records.ts). An import removes its own when it ends, whether it succeeded or not; one
// killed meanwhile (a signal, a crash, a lost machine) leaves it behind, holding record files
// nothing reads. The gateway's cleanup removes such a folder once nothing in it has changed for
// as long as it waits before removing unfinished uploads (an import stages its records in
// moments, after every block and blob was checked, so a folder that old is no import's).
//
// What a folder holds says how far its import got. Without `previous/`, it never began to move its
// records in: nothing it staged is in place, and the folder goes. With `previous/` and no staged
// record left, every move was done: it goes too. With both, the moves were cut short (the import
// was killed, or a move failed and what it replaced could not all be put back): some of its
// records are in place and some not, so the folder is kept, and the cleanup names it with the fix
// (importing the same bundle again writes its records whole; the earlier versions of the records
// it replaced are under `previous/`, by folder and name).
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RECORD_FOLDERS, STAGING_PREFIX } from './staged-records';

export interface AbandonedImports {
  /** Staging folders removed. */
  readonly removed: number;
  /** Staging folders kept because their import was cut short while it moved its records in (full paths). */
  readonly cutShort: readonly string[];
}

/** Removes the staging folders under `gatewayDir` in which nothing changed since `cutoff` (ms since the epoch). */
export async function sweepAbandonedImports(gatewayDir: string, cutoff: number): Promise<AbandonedImports> {
  let removed = 0;
  const cutShort: string[] = [];
  const entries = await readdir(gatewayDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(STAGING_PREFIX)) continue;
    const folder = join(gatewayDir, entry.name);
    const newest = await newestChange(folder);
    if (newest === undefined || newest >= cutoff) continue;
    if ((await exists(join(folder, 'previous'))) && (await holdsStagedRecords(folder))) {
      cutShort.push(folder);
      continue;
    }
    // One that cannot be removed now (its permissions changed by hand) is tried at the next sweep.
    if (await rm(folder, { recursive: true, force: true }).then(() => true, () => false)) removed++;
  }
  return { removed, cutShort };
}

/**
 * The latest modification time of `folder` and everything in it (a staging folder is two levels
 * deep: its record folders and their files); undefined when it went meanwhile.
 */
async function newestChange(folder: string): Promise<number | undefined> {
  try {
    let newest = (await stat(folder)).mtimeMs;
    for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
      const path = join(entry.parentPath ?? entry.path, entry.name);
      const changed = await stat(path).then(
        (info) => info.mtimeMs,
        () => 0,
      );
      newest = Math.max(newest, changed);
    }
    return newest;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Whether a record staged in `folder` was not moved into place yet. */
async function holdsStagedRecords(folder: string): Promise<boolean> {
  for (const records of RECORD_FOLDERS) {
    const names = await readdir(join(folder, records)).catch(() => [] as string[]);
    if (names.some((name) => name.endsWith('.json'))) return true;
  }
  return false;
}
