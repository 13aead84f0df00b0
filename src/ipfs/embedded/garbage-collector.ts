// Deletes the embedded store's blocks (and leaf files) that no recursive pin reaches, as
// `ipfs repo gc` does for Kubo. Unpinned blocks come from blobs the gateway's cleanup released
// and from imports that were cancelled or abandoned half-way; without this they would stay on
// disk for good.
//
// A block is kept when a pin reaches it or when its file is newer than `before`: a block that
// was just written may belong to an import that has not pinned its root yet, in this process or
// in another one using the same directory. blockstore-fs writes every block through a temporary
// file and a rename, so a block written again gets a new modification time. Within one process
// the store's block writes and pins wait while this runs (write-gate.ts), so a block is never
// rewritten or newly pinned between the look at it and its deletion.
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { GarbageCollection } from '../blob-store';

/** The extension blockstore-fs gives block files; its temporary files have others. */
const BLOCK_FILE = '.data';

export interface SweepOptions {
  /** blockstore-fs's directory: one folder per shard, one `<key>.data` file per block. */
  readonly blocksDir: string;
  /** Keys (file names without the extension) of the blocks the pins reach. */
  readonly reachable: ReadonlySet<string>;
  /** Only blocks last written before this time (ms since the epoch) may go. */
  readonly before: number;
  /** Told the key of each deleted block. */
  readonly onRemoved?: (key: string) => void;
}

export async function sweepBlocks(options: SweepOptions): Promise<GarbageCollection> {
  let removedBlocks = 0;
  let freedBytes = 0;
  let keptRecent = 0;
  for (const shard of await entries(options.blocksDir)) {
    const shardDir = join(options.blocksDir, shard);
    for (const name of await entries(shardDir)) {
      if (!name.endsWith(BLOCK_FILE)) continue;
      const key = name.slice(0, -BLOCK_FILE.length);
      if (options.reachable.has(key)) continue;
      const outcome = await removeUnlessRecent(join(shardDir, name), options.before);
      if (outcome === 'recent') keptRecent++;
      if (typeof outcome !== 'number') continue;
      removedBlocks++;
      freedBytes += outcome;
      options.onRemoved?.(key);
    }
  }
  return { removedBlocks, freedBytes, keptRecent };
}

/**
 * Deletes the leaf files (leaf-files.ts, one per root CID) of roots `keep` refuses, last written
 * before `before`. A leaf file is adopted (and touched) just before its root is pinned.
 */
export async function sweepLeafFiles(dir: string, keep: (root: string) => boolean, before: number): Promise<{ removed: number; freedBytes: number; keptRecent: number }> {
  let removed = 0;
  let freedBytes = 0;
  let keptRecent = 0;
  for (const name of await entries(dir)) {
    if (keep(name)) continue;
    const outcome = await removeUnlessRecent(join(dir, name), before);
    if (outcome === 'recent') keptRecent++;
    if (typeof outcome !== 'number') continue;
    removed++;
    freedBytes += outcome;
  }
  return { removed, freedBytes, keptRecent };
}

/** Deletes a file last written before `before`: its size when deleted, else why not. */
async function removeUnlessRecent(file: string, before: number): Promise<number | 'recent' | 'absent'> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return 'absent';
  if (info.mtimeMs >= before) return 'recent';
  try {
    await unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  return info.size;
}

/** A directory's entries; none when it does not exist (yet) or is not a directory. */
async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}
