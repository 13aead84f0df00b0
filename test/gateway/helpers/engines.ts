// Container engines for end-to-end tests: a Docker engine (Debian's dockerd) started by hand in
// a temp dir, and podman pointed at temp storage and config files. Each stops what it started.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { run } from './tools';

export interface DockerEngine {
  readonly env: NodeJS.ProcessEnv;
  docker(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string>;
  stop(): Promise<void>;
}

export interface DockerEngineOptions {
  /**
   * Run dockerd in a mount namespace of its own where /etc/hosts is this file and /etc/docker is
   * this directory (so /etc/docker/certs.d/HOST:PORT/ca.crt is `<etcDocker>/certs.d/…`), leaving
   * the machine's files alone. Needs `unshare` (util-linux) and root.
   */
  readonly namespace?: { readonly hostsFile: string; readonly etcDocker: string };
  /** Default vfs (works anywhere); overlay2 builds images far faster where the kernel allows it. */
  readonly storageDriver?: 'vfs' | 'overlay2';
}

export async function startDockerEngine(dir: string, options: DockerEngineOptions = {}): Promise<DockerEngine> {
  for (const sub of ['data', 'exec']) mkdirSync(join(dir, sub), { recursive: true });
  const socket = join(dir, 'docker.sock');
  const args = ['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'dockerd.pid'), '-H', `unix://${socket}`, '--iptables=false', '--ip-forward=false', '--ip-masq=false', '--bridge=none', `--storage-driver=${options.storageDriver ?? 'vfs'}`];
  const ns = options.namespace;
  const daemon: ChildProcess = ns
    ? spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/docker && shift 2 && exec dockerd "$@"', 'sh', ns.hostsFile, ns.etcDocker, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn('dockerd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  daemon.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'config') };
  const docker = async (args: string[], options: { input?: string; timeoutMs?: number } = {}) => (await run('docker', args, { env, ...options })).stdout;
  const stop = async () => {
    if (daemon.exitCode === null && daemon.signalCode === null) {
      daemon.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), delay(20_000).then(() => false)]);
      if (!stopped) {
        daemon.kill('SIGKILL');
        await exited;
      }
    }
    // A daemon that stopped may leave mounts under its dirs (netns/default, overlay layers),
    // which would keep the test's temp dir from being removed.
    for (const mount of mountsUnder(dir)) await run('umount', ['-l', mount]).catch(() => undefined);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await docker(['version'], { timeoutMs: 10_000 });
      break;
    } catch (error) {
      if (daemon.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`dockerd did not start: ${(error as Error).message}\n${log}`);
      }
      await delay(300);
    }
  }
  return { env, docker, stop };
}

function mountsUnder(dir: string): string[] {
  try {
    return readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
      .filter((point): point is string => point !== undefined && point.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
  } catch {
    return [];
  }
}

export interface Podman {
  readonly env: NodeJS.ProcessEnv;
  podman(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string>;
}

/** podman with vfs storage under `dir`, `registry` (host:port) marked insecure, runc and cgroupfs. */
export function podmanIn(dir: string, registry: string): Podman {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${join(dir, 'graph')}"\nrunroot = "${join(dir, 'run')}"\n`);
  writeFileSync(join(dir, 'registries.conf'), `unqualified-search-registries = []\n[[registry]]\nlocation = "${registry}"\ninsecure = true\n`);
  writeFileSync(
    join(dir, 'containers.conf'),
    `[containers]\nnetns = "none"\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\nevents_logger = "file"\n[network]\n`,
  );
  const env = {
    ...process.env,
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    REGISTRY_AUTH_FILE: join(dir, 'auth.json'),
    XDG_RUNTIME_DIR: join(dir, 'xdg'),
    TMPDIR: dir,
  };
  mkdirSync(join(dir, 'xdg'), { recursive: true });
  writeFileSync(join(dir, 'auth.json'), '{"auths":{}}');
  return { env, podman: async (args, options = {}) => (await run('podman', args, { env, ...options })).stdout };
}
