// What the gateway benchmarks share: Debian's docker-registry (the CNCF distribution registry
// 2.8) as the reference, the gateway in a child process of its own (bench/gateway-server.ts, with
// the embedded IPFS store as `hcr dev` runs it) so its RSS is its own, and small helpers.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { TYPESCRIPT_NODE_ARGS } from '../src/config/typescript-runner';

export const MiB = 1024 * 1024;

export interface Target {
  readonly label: string;
  readonly host: string;
  readonly pid: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function waitForV2(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const response = await fetch(`${url}/v2/`);
      if (response.status < 500) return;
    } catch {
      // not up yet
    }
    await delay(100);
  }
  throw new Error(`${url} did not come up`);
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/** Resident memory now, and its peak over the process's life (VmHWM), in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

export const rssOf = (pid: number): number => memoryOf(pid).rss;

/** A file of random bytes, written in chunks (never whole in memory); returns its digest. */
export async function randomFile(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = bytes; left > 0; ) {
    const chunk = randomBytes(Math.min(16 * MiB, left));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    left -= chunk.length;
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return `sha256:${hash.digest('hex')}`;
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
export const mbps = (bytes: number, seconds: number) => bytes / 1e6 / seconds;

/** docker-registry serving from `<work>/registry` on a free loopback port. */
export async function startReferenceRegistry(work: string, children: ChildProcess[]): Promise<Target> {
  const port = await freePort();
  const dir = join(work, 'registry');
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  children.push(registry);
  await waitForV2(`http://127.0.0.1:${port}`);
  return { label: 'docker-registry', host: `127.0.0.1:${port}`, pid: registry.pid! };
}

/** The gateway in a child process against the chain at `wsUrl`, its data in `<work>/gateway`. */
export async function startGatewayProcess(work: string, wsUrl: string, children: ChildProcess[], env: NodeJS.ProcessEnv = {}): Promise<Target> {
  const dir = join(work, 'gateway');
  mkdirSync(dir);
  const child = spawn(process.execPath, [...TYPESCRIPT_NODE_ARGS, join(__dirname, 'gateway-server.ts'), wsUrl, dir], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  children.push(child);
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the gateway exited (${code})`)));
  });
  const { url, pid } = JSON.parse(first) as { url: string; pid: number };
  await waitForV2(url);
  return { label: 'gateway', host: new URL(url).host, pid };
}
