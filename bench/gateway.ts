// The gateway side by side with Debian's docker-registry (the CNCF distribution registry 2.8),
// in one run on loopback: skopeo push and pull of a ~200 MB multi-layer image (the median of
// BENCH_ROUNDS rounds each), curl of one 100 MiB blob, and the gateway's peak RSS while a 1 GiB
// blob is pulled. Prints MB/s and our/their ratios against the targets (pull ≥ 1.0×, push ≥ 0.7×,
// blob GET ≥ 0.8×, RSS < 200 MB).
//
// The gateway runs in a child process (with its embedded IPFS store, as `hcr dev` runs it) so
// its RSS is its own; it loads its TypeScript the way bin/hcr.js does. The dev chain runs here.
// `--serve <ws url> <data dir>` is that child.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { connectChain, createSpace, grantGateway, signerFromUri, submitTx } from '../src/chain';
import { TYPESCRIPT_NODE_ARGS } from '../src/config/typescript-runner';
import { startGateway } from '../src/gateway';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../src/ipfs';
import { startTestChain } from '../test/helpers/devnet';
import { buildImage, readBlob } from '../test/gateway/helpers/oci-layout';
import { missingTools, run } from '../test/gateway/helpers/tools';
import { machineSummary } from './machine';

const MiB = 1024 * 1024;
const LAYER_MIB = (process.env.BENCH_LAYERS_MIB ?? '15,25,35,45,80').split(',').map(Number);
const BLOB_MIB = Number(process.env.BENCH_BLOB_MIB ?? 100);
const BIG_BLOB_MIB = Number(process.env.BENCH_BIG_BLOB_MIB ?? 1024);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Target {
  readonly label: string;
  readonly host: string;
}

async function serve(wsUrl: string, dataDir: string): Promise<void> {
  const api = await connectChain(wsUrl);
  const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
  const gateway = await startGateway({ api, blobStore: store, dataDir, gatewaySigner: await signerFromUri('//Gateway'), port: 0, auth: { enabled: false }, log: () => undefined });
  console.log(JSON.stringify({ url: gateway.url, pid: process.pid }));
  const stop = async () => {
    await gateway.close();
    await store.close();
    await api.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForV2(url: string): Promise<void> {
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

function stopChild(child: ChildProcess): Promise<void> {
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

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** A file of random bytes, written in chunks (never whole in memory); returns its digest. */
async function randomFile(path: string, bytes: number): Promise<string> {
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

/** POST to start an upload, then PUT the whole file with curl (streamed from disk). */
async function uploadWithCurl(target: Target, name: string, file: string, digest: string): Promise<void> {
  const started = await fetch(`http://${target.host}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  if (started.status !== 202) throw new Error(`${target.label} answered ${started.status} to starting an upload: ${await started.text()}`);
  const location = new URL(started.headers.get('location')!, `http://${target.host}`);
  location.searchParams.set('digest', digest);
  await run('curl', ['-sS', '-f', '-X', 'PUT', '-T', file, '-H', 'Content-Type: application/octet-stream', location.toString()], { timeoutMs: 600_000 });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mbps = (bytes: number, seconds: number) => bytes / 1e6 / seconds;

async function main(): Promise<void> {
  const skip = missingTools(['skopeo', 'umoci', 'docker-registry', 'curl', 'tar', 'busybox'], 'skopeo umoci docker-registry curl busybox-static');
  if (skip) {
    console.error(`bench:gateway ${skip}`);
    process.exit(2);
  }
  console.log(`machine: ${machineSummary()}`);
  const work = mkdtempSync(join(tmpdir(), 'hcr-bench-gateway-'));
  const children: ChildProcess[] = [];
  const chain = await startTestChain();
  try {
    // One image per push round (v1, v2, …), each pushed to both registries: a second push of the
    // same layers would find them there already. Their random layers differ; their sizes do not.
    const layout = join(work, 'layout');
    const images: { tag: string; bytes: number }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const tag = `v${round}`;
      const manifest = await buildImage(work, layout, tag, { randomSizes: LAYER_MIB.map((m) => m * MiB) });
      const parsed = JSON.parse(readBlob(layout, manifest.digest).toString()) as { config: { size: number }; layers: { size: number }[] };
      images.push({ tag, bytes: manifest.size + parsed.config.size + parsed.layers.reduce((sum, l) => sum + l.size, 0) });
    }
    const imageBytes = images[0].bytes;
    console.log(`image: ${LAYER_MIB.length + 1} layers, ${(imageBytes / 1e6).toFixed(1)} MB (${ROUNDS} of them, one per push round)`);

    // The reference registry.
    const registryPort = await freePort();
    const registryDir = join(work, 'registry');
    mkdirSync(registryDir);
    writeFileSync(join(registryDir, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(registryDir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${registryPort}\n`);
    const registry = spawn('docker-registry', ['serve', join(registryDir, 'config.yml')], { stdio: 'ignore' });
    children.push(registry);
    await waitForV2(`http://127.0.0.1:${registryPort}`);

    // Our gateway, in its own process.
    const alice = await signerFromUri('//Alice');
    await submitTx(chain.api, createSpace(chain.api, 'acme'), alice);
    await grantGateway(chain.api, alice, (await signerFromUri('//Gateway')).address);
    const gatewayDir = join(work, 'gateway');
    mkdirSync(gatewayDir);
    const child = spawn(process.execPath, [...TYPESCRIPT_NODE_ARGS, __filename, '--serve', chain.devnet.wsUrl, gatewayDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the gateway exited (${code})`)));
    });
    const { url: gatewayUrl, pid } = JSON.parse(first) as { url: string; pid: number };
    await waitForV2(gatewayUrl);

    const targets: Target[] = [
      { label: 'docker-registry', host: `127.0.0.1:${registryPort}` },
      { label: 'gateway', host: new URL(gatewayUrl).host },
    ];
    const results: Record<string, { push: number; pull: number; blob: number }> = {};
    // Pushes: the sides take turns going first, round by round, so neither always pushes onto
    // the other's freshly written storage. Each push starts from written-back storage.
    const pushes: Record<string, number[]> = Object.fromEntries(targets.map((target) => [target.label, []]));
    for (const [round, image] of images.entries()) {
      for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
        await run('sync', []);
        const seconds = await timed(() => run('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${layout}:${image.tag}`, `docker://${target.host}/acme/bench:${image.tag}`], { timeoutMs: 900_000 }));
        pushes[target.label].push(mbps(image.bytes, seconds));
      }
    }
    const blobFile = join(work, 'blob.bin');
    const blobDigest = await randomFile(blobFile, BLOB_MIB * MiB);
    for (const target of targets) {
      // Pulls (and the blob GETs below) are timed after the writes before them are flushed (the
      // gateway writes IPFS blocks and its blob cache as well), for both registries alike.
      await run('sync', []);
      const pulls: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const out = join(work, `pull-${target.label}-${i}`);
        pulls.push(await timed(() => run('skopeo', ['--insecure-policy', 'copy', '--src-tls-verify=false', `docker://${target.host}/acme/bench:v1`, `dir:${out}`], { timeoutMs: 900_000 })));
        rmSync(out, { recursive: true, force: true });
      }
      await uploadWithCurl(target, 'acme/blob', blobFile, blobDigest);
      await run('sync', []);
      const gets: number[] = [];
      for (let i = 0; i < ROUNDS; i++) gets.push(await timed(() => run('curl', ['-sS', '-f', '-o', '/dev/null', `http://${target.host}/v2/acme/blob/blobs/${blobDigest}`], { timeoutMs: 600_000 })));
      results[target.label] = { push: median(pushes[target.label]), pull: mbps(imageBytes, median(pulls)), blob: mbps(BLOB_MIB * MiB, median(gets)) };
      console.log(`${target.label.padEnd(16)} push ${results[target.label].push.toFixed(0).padStart(5)} MB/s (median of ${pushes[target.label].map((p) => p.toFixed(0)).join(', ')})   pull ${results[target.label].pull.toFixed(0).padStart(5)} MB/s (median of ${pulls.map((p) => p.toFixed(2)).join(', ')} s)   ${BLOB_MIB} MiB blob GET ${results[target.label].blob.toFixed(0).padStart(5)} MB/s`);
    }

    // Peak RSS of the gateway while a 1 GiB blob is pulled.
    const bigFile = join(work, 'big.bin');
    const bigDigest = await randomFile(bigFile, BIG_BLOB_MIB * MiB);
    rmSync(blobFile, { force: true });
    await uploadWithCurl(targets[1], 'acme/big', bigFile, bigDigest);
    rmSync(bigFile, { force: true });
    const before = rssOf(pid);
    let peak = before;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, rssOf(pid));
        await delay(20);
      }
    })();
    const bigSeconds = await timed(() => run('curl', ['-sS', '-f', '-o', '/dev/null', `http://${targets[1].host}/v2/acme/big/blobs/${bigDigest}`], { timeoutMs: 900_000 }));
    sampling = false;
    await sampler;

    const ours = results.gateway;
    const theirs = results['docker-registry'];
    const ratio = (a: number, b: number) => a / b;
    const line = (what: string, value: number, target: number) => `${what.padEnd(22)} ${value.toFixed(2)}×  (target ≥ ${target}×) ${value >= target ? 'met' : 'NOT met'}`;
    console.log('');
    console.log(line('pull, gateway/ref', ratio(ours.pull, theirs.pull), 1.0));
    console.log(line('push, gateway/ref', ratio(ours.push, theirs.push), 0.7));
    console.log(line('blob GET, gateway/ref', ratio(ours.blob, theirs.blob), 0.8));
    console.log(`peak RSS pulling ${BIG_BLOB_MIB} MiB: ${(peak / 1e6).toFixed(0)} MB (before: ${(before / 1e6).toFixed(0)} MB; ${mbps(BIG_BLOB_MIB * MiB, bigSeconds).toFixed(0)} MB/s)  (target < 200 MB) ${peak < 200e6 ? 'met' : 'NOT met'}`);
  } finally {
    for (const child of children) await stopChild(child);
    await chain.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') {
  serve(process.argv[3], process.argv[4]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
