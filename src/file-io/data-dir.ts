// The gateway's data dir holds its token-signing secret, upload sessions, verified-blob cache and
// logs of what it recorded. Anyone who may create or rename files in it could plant a symlink or
// a file the gateway later trusts (a cached blob, a log line, a secret of their choosing), so it
// must be the gateway user's own and closed to everyone else, as ssh insists of ~/.ssh. And a
// data dir the gateway cannot write failed only later, on the first upload or secret, with an
// EACCES stack trace. Both are refused at start, each with the command that fixes it.
import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';

export class DataDirError extends Error {}

/**
 * Creates `dir` and each of `inside` (paths within it) that is missing, closed to other users
 * (0700; `dirMode` for `dir` itself and the parents it needs), then checks that each is a directory of the user's (or root's), not writable by every
 * user, and that the user may create files in it. Throws a DataDirError naming the fix.
 */
export function openDataDir(dir: string, inside: readonly string[] = [], dirMode = 0o700): void {
  for (const path of [dir, ...inside]) {
    try {
      // Missing ones are made 0700 (less any umask), never writable by others: what the project
      // creates always passes.
      mkdirSync(path, { recursive: true, mode: path === dir ? dirMode & 0o755 : 0o700 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new DataDirError(`cannot create the data dir ${path} (${code ?? (error as Error).message}): create it as the gateway's user (mkdir -m 700 ${path}), or give another with --data-dir (HCR_DATA_DIR)`);
    }
    checkDataDir(path, dir);
  }
}

function checkDataDir(path: string, dir: string): void {
  let stat: Stats;
  try {
    // Followed: a data dir may well be a link to another disk; what it reaches is checked.
    stat = statSync(path);
  } catch (error) {
    throw new DataDirError(`cannot open the data dir ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give a directory of the gateway's user with --data-dir (HCR_DATA_DIR)`);
  }
  if (!stat.isDirectory()) throw new DataDirError(`the data dir ${path} is not a directory: move the file away, or give another data dir with --data-dir (HCR_DATA_DIR)`);
  // Owners and modes mean nothing there.
  if (process.platform === 'win32') return;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid && stat.uid !== 0) {
    throw new DataDirError(
      `the data dir ${path} belongs to user ${stat.uid}, not to the gateway's user (${uid}): that user could plant files the gateway trusts (its token secret, cached blobs): chown -R ${uid} ${dir} if the files are yours, else give the gateway a data dir of its own with --data-dir (HCR_DATA_DIR)`,
    );
  }
  // Sticky or not (/tmp is 1777): others could still create the names the gateway uses first.
  if ((stat.mode & 0o002) !== 0) {
    const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
    throw new DataDirError(`the data dir ${path} has mode ${mode}, so every user on this host may create files in it, and plant ones the gateway trusts (its token secret, cached blobs): chmod 700 ${path}`);
  }
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DataDirError(
      `the gateway's user${uid === undefined ? '' : ` (${uid})`} cannot write to the data dir ${path} (${code}): chmod 700 ${path}${uid === undefined ? '' : ` and chown ${uid} ${path}`}, or give a writable one with --data-dir (HCR_DATA_DIR)${code === 'EROFS' ? ' (this one is on a read-only file system)' : ''}`,
    );
  }
}
