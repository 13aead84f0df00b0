// What tests of writes past the page cache ask of the machine: whether a directory's filesystem
// takes O_DIRECT, and how much of a file the page cache holds.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Pages of `path` in the page cache, by util-linux's fincore; undefined where it is missing. */
export function cachedPages(path: string): number | undefined {
  try {
    return Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'PAGES', path], { encoding: 'utf8' }).trim());
  } catch {
    return undefined;
  }
}

/** Whether files in `dir` can be opened with O_DIRECT (not on tmpfs, nor off Linux). */
export function takesDirectIo(dir: string): boolean {
  const flag = (constants as Record<string, number>).O_DIRECT;
  if (flag === undefined) return false;
  const probe = join(dir, '.direct-io-probe');
  try {
    closeSync(openSync(probe, constants.O_WRONLY | constants.O_CREAT | flag));
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { force: true });
  }
}
