// Files a writer that died left behind (a lock moved aside, a file never renamed into place), told
// apart from a live writer's by age: each exists for the moment of one change, so one unchanged
// for longer than a bound no live writer takes has no writer left. The change time is what counts:
// a write, a chmod or a rename moves it, so a file still being written, or just moved, is young.
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Removes the files in `dir` whose names `isLeftover` accepts and that are unchanged for longer than `olderThanMs`; returns their names. */
export function removeLeftovers(dir: string, isLeftover: (name: string) => boolean, olderThanMs: number, now = Date.now()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!isLeftover(name)) continue;
    const path = join(dir, name);
    try {
      if (now - statSync(path).ctimeMs <= olderThanMs) continue;
      unlinkSync(path);
      removed.push(name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // removed by another process meanwhile
    }
  }
  return removed;
}
