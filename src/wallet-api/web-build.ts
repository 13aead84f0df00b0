// The web page's build: Vite compiles src/web into dist/web (generated, not committed). A server
// started from a checkout builds it when it is missing or older than its sources, so `npm test`
// and `hcr dev` never serve a stale page; a deployment runs `npm run build:web` once instead.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PROJECT_ROOT = join(__dirname, '..', '..');
export const WEB_SOURCE_DIR = join(PROJECT_ROOT, 'src', 'web');
export const WEB_OUT_DIR = join(PROJECT_ROOT, 'dist', 'web');
const BUILD_TIMEOUT_MS = 180_000;

let building: Promise<string> | undefined;

/** Builds the page unless dist/web is newer than every source file; resolves to dist/web. */
export function ensureWebBuild(options: { force?: boolean } = {}): Promise<string> {
  if (!options.force && !isStale()) return Promise.resolve(WEB_OUT_DIR);
  building ??= buildWeb().finally(() => {
    building = undefined;
  });
  return building;
}

function isStale(): boolean {
  const index = join(WEB_OUT_DIR, 'index.html');
  if (!existsSync(index)) return true;
  // Without the sources (an installed package) the built page is all there is.
  if (!existsSync(WEB_SOURCE_DIR)) return false;
  return newestMtime(WEB_SOURCE_DIR) > statSync(index).mtimeMs;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function buildWeb(): Promise<string> {
  let viteBin: string;
  try {
    viteBin = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    return Promise.reject(new Error(`the web page is not built (${WEB_OUT_DIR} is missing) and Vite is not installed: run \`npm install\` then \`npm run build:web\``));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin, 'build', WEB_SOURCE_DIR, '--logLevel', 'warn'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('error', (error) => reject(error));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(WEB_OUT_DIR);
      else reject(new Error(`building the web page failed (${signal ?? `exit ${code}`}); run \`npm run build:web\` to see why:\n${output}`));
    });
  });
}
