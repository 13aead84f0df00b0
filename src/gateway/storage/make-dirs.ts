// mkdir -p that reports why it failed. Node's recursive mkdir answers ENOENT for a folder it could
// not create on a read-only file system (EROFS) or without permission, which reads as a missing
// path; the gateway must tell its operator that the data dir turned read-only instead.
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function makeDirs(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw (await realMkdirError(path)) ?? error;
  }
}

/** The error of creating, one level at a time, the first missing folder on the way to `path`. */
async function realMkdirError(path: string): Promise<unknown> {
  let missing = path;
  for (let parent = dirname(missing); parent !== missing && !(await stat(parent).catch(() => undefined)); parent = dirname(parent)) missing = parent;
  return mkdir(missing).then(() => undefined, (error: unknown) => error);
}
