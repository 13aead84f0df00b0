// Replicas and peers, measured against the same work done directly, in one run on loopback:
// - a ~200 MB image pulled with skopeo through B (a gateway with its own store and `--peer A`,
//   fresh each round, so every byte comes from A through B) against the same pull from A;
// - a cold 1 GiB blob GET (time to first byte and MB/s, with curl) from a gateway that shares A's
//   IPFS node (`--ipfs-api`) and from a peer gateway, each fresh, against Debian's
//   docker-registry serving the same blob;
// - `hcr export` and `hcr import` of the image, in MB/s;
// - the peak RSS of each gateway while it serves;
// - what bounds these on the machine: the CPU time A, B and skopeo spend on the pull through B,
//   SHA-256 on one core, and the CPU it takes to write the image's bytes into a new file;
// - a yardstick for both: the same pull and GET through a bare Node relay (bench/relay.ts) that
//   checks nothing, or only hashes (and keeps) the bytes: what any process standing between the
//   store and the client delivers on this machine.
// Targets (issue 19): pull through B ≥ 0.8× direct; cold GET time to first byte ≤ 100 ms and
// ≥ 0.8× docker-registry's MB/s.
//
// A runs in a child process (`--serve-a`): the embedded IPFS store with its Kubo RPC API (for the
// gateway that shares it) and a gateway with the dev //Gateway key. The others are `hcr gateway`.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { connectChain, createSpace, grantGateway, signerFromUri, submitTx } from '../src/chain';
import { TYPESCRIPT_NODE_ARGS } from '../src/config/typescript-runner';
import { startGateway } from '../src/gateway';
import { startEmbeddedIpfs } from '../src/ipfs';
import { startTestChain } from '../test/helpers/devnet';
import { buildImage, readBlob } from '../test/gateway/helpers/oci-layout';
import { missingTools, run } from '../test/gateway/helpers/tools';
import { envInt } from './env';
import { machineSummary } from './machine';
import { procTimes } from './proc-times';
import { MiB, median, rssOf, startReferenceRegistry, stopChild, timed, waitForV2 } from './registries';

const ROUNDS = envInt('BENCH_ROUNDS', 3, 1);
const BIG_BLOB_MIB = envInt('BENCH_BIG_BLOB_MIB', 1024, 1);
const LAYER_MIB = [15, 25, 35, 45, 80];
const HCR = join(__dirname, '..', 'bin', 'hcr.js');
/** Extra Node flags for the gateways under test (BENCH_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const GATEWAY_NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

async function serveA(wsUrl: string, dataDir: string): Promise<void> {
  const api = await connectChain(wsUrl);
  const ipfs = await startEmbeddedIpfs({ dataDir, port: 0 });
  const gateway = await startGateway({ api, blobStore: ipfs.store, dataDir, gatewaySigner: await signerFromUri('//Gateway'), port: 0, auth: { enabled: false }, log: () => undefined });
  console.log(JSON.stringify({ url: gateway.url, ipfsApi: ipfs.apiUrl, pid: process.pid }));
  process.on('SIGTERM', () => {
    void (async () => {
      await gateway.close();
      await ipfs.close();
      await api.disconnect();
      process.exit(0);
    })();
  });
}

interface Running {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
}

/** `hcr gateway …` in a child process, once it answers. */
async function hcrGateway(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [...GATEWAY_NODE_ARGS, HCR, 'gateway', '--port', '0', '--log-level', 'warn', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const found = /^gateway: (http:\/\/[\d.]+:\d+)/.exec(line);
      if (found) resolve(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`hcr gateway exited (${code}):\n${output}`)));
  });
  return { url, pid: child.pid!, child };
}

/** bench/relay.ts in a child process, passing everything on to `target`. */
async function relay(target: string, mode: 'plain' | 'hash' | 'hash-keep', children: ChildProcess[]): Promise<Running> {
  const child = spawn(process.execPath, [...TYPESCRIPT_NODE_ARGS, join(__dirname, 'relay.ts'), target, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const { url } = JSON.parse(await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the relay exited (${code})`)));
  })) as { url: string };
  return { url, pid: child.pid!, child };
}

/** Resident memory of `pid`, 0 once it has gone. */
function rssNow(pid: number): number {
  try {
    return rssOf(pid);
  } catch {
    return 0;
  }
}

/** Runs `work` while sampling the peak RSS of `pid`. */
async function withPeakRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = rssNow(pid);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, rssNow(pid));
      await delay(20);
    }
  })();
  try {
    return { result: await work(), peak };
  } finally {
    sampling = false;
    await sampler;
  }
}

/** curl of one URL to /dev/null: seconds to the first byte, and bytes per second. */
async function curlGet(url: string): Promise<{ ttfb: number; rate: number }> {
  const { stdout } = await run('curl', ['-sS', '-f', '-o', '/dev/null', '-w', '%{time_starttransfer} %{speed_download}', url], { timeoutMs: 900_000 });
  const [ttfb, rate] = stdout.trim().split(' ').map(Number);
  return { ttfb, rate };
}

const mb = (bytes: number) => bytes / 1e6;

interface PullCpu {
  /** Milliseconds of CPU: B's in user mode and in the kernel, A's, and skopeo's (the waited-for children of this process). */
  readonly b: { readonly user: number; readonly system: number };
  readonly a: number;
  readonly skopeo: number;
}

function pullCpu(aPid: number, bPid: number): PullCpu {
  const b = procTimes(bPid);
  return { b: { user: b?.user ?? 0, system: b?.system ?? 0 }, a: procTimes(aPid)?.self ?? 0, skopeo: procTimes(process.pid)?.children ?? 0 };
}

function pullCpuSince(before: PullCpu, after: PullCpu): PullCpu {
  return { b: { user: after.b.user - before.b.user, system: after.b.system - before.b.system }, a: after.a - before.a, skopeo: after.skopeo - before.skopeo };
}

/** Long enough for a virtual machine's host to have taken back memory the guest freed (a few seconds). */
const NEW_MEMORY_REST_MS = 5000;

/**
 * CPU milliseconds of writing `bytes` into a new file (8 MiB writes, as a peer's leaves are), and
 * deleting it. A gateway that keeps what it fetches pays this for every byte; on a virtual machine
 * that hands memory the guest freed back to its host, the page cache's new pages cost far more
 * than the copy into them.
 */
function newFileWriteCost(dir: string, bytes: number): number {
  const piece = randomBytes(8 * MiB);
  const path = join(dir, 'new-file-write');
  const started = process.cpuUsage();
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < bytes; written += piece.byteLength) writeSync(fd, piece, 0, Math.min(piece.byteLength, bytes - written));
  } finally {
    closeSync(fd);
  }
  const used = process.cpuUsage(started);
  rmSync(path);
  return (used.user + used.system) / 1000;
}

/**
 * SHA-256 on one core of this machine, in bytes per second: a cold read checks every byte against
 * the blob's digest (and, from a peer, against its block's CID too), so this bounds what a cold
 * read can deliver, whatever else it does.
 */
function sha256Rate(): number {
  const piece = randomBytes(MiB);
  const started = performance.now();
  const hash = createHash('sha256');
  for (let i = 0; i < 512; i++) hash.update(piece);
  hash.digest();
  return (512 * MiB) / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const skip = missingTools(['skopeo', 'umoci', 'docker-registry', 'curl', 'tar', 'busybox'], 'skopeo umoci docker-registry curl busybox-static');
  if (skip) {
    console.error(`bench:replica ${skip}`);
    process.exit(2);
  }
  console.log(`machine: ${machineSummary()}`);
  const hashRate = sha256Rate();
  const work = mkdtempSync(join(tmpdir(), 'hcr-bench-replica-'));
  const children: ChildProcess[] = [];
  const chain = await startTestChain();
  const report: string[] = [];
  try {
    const alice = await signerFromUri('//Alice');
    await submitTx(chain.api, createSpace(chain.api, 'acme'), alice);
    await grantGateway(chain.api, alice, (await signerFromUri('//Gateway')).address);

    const aDir = join(work, 'a');
    mkdirSync(aDir);
    const a = spawn(process.execPath, [...GATEWAY_NODE_ARGS, ...TYPESCRIPT_NODE_ARGS, __filename, '--serve-a', chain.devnet.wsUrl, aDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(a);
    const { url: aUrl, ipfsApi } = JSON.parse(await new Promise<string>((resolve, reject) => {
      createInterface({ input: a.stdout! }).once('line', resolve);
      a.once('exit', (code) => reject(new Error(`A exited (${code})`)));
    })) as { url: string; ipfsApi: string };
    await waitForV2(aUrl);
    const aHost = new URL(aUrl).host;

    const registryHost = (await startReferenceRegistry(work, children)).host;

    // The image, pushed to A (and recorded on chain).
    const layout = join(work, 'layout');
    const image = await buildImage(work, layout, 'v1', { randomSizes: [...LAYER_MIB.map((m) => m * MiB), BIG_BLOB_MIB * MiB] });
    const parsed = JSON.parse(readBlob(layout, image.digest).toString()) as { config: { size: number }; layers: { size: number; digest: string }[] };
    const big = parsed.layers[parsed.layers.length - 1];
    const small = { ...parsed, layers: parsed.layers.slice(0, -1) };
    // The ~200 MB image: the same layers without the 1 GiB one.
    const smallManifest = JSON.stringify({ ...JSON.parse(readBlob(layout, image.digest).toString()), layers: small.layers });
    const { writeBlob, tagInLayout } = await import('../test/gateway/helpers/oci-layout');
    writeBlob(layout, smallManifest);
    tagInLayout(layout, 'v2', 'application/vnd.oci.image.manifest.v1+json', JSON.parse(smallManifest));
    const imageBytes = small.config.size + small.layers.reduce((sum, l) => sum + l.size, 0);
    for (const host of [aHost, registryHost]) {
      await run('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${host}/acme/bench:big`], { timeoutMs: 1_800_000 });
      await run('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${layout}:v2`, `docker://${host}/acme/bench:v2`], { timeoutMs: 900_000 });
    }
    console.log(`image: ${small.layers.length} layers + config, ${mb(imageBytes).toFixed(1)} MB; cold blob: ${BIG_BLOB_MIB} MiB`);
    await run('sync', []);

    // 1. Pull through B (fresh each round) against the same pull from A.
    const direct: number[] = [];
    const through: number[] = [];
    const cpu: PullCpu[] = [];
    let bPeak = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const out = join(work, `pull-${round}`);
      direct.push(await timed(() => run('skopeo', ['--insecure-policy', 'copy', '--src-tls-verify=false', `docker://${aHost}/acme/bench:v2`, `dir:${out}-a`], { timeoutMs: 900_000 })));
      const b = await hcrGateway(['--chain', chain.devnet.wsUrl, '--data-dir', join(work, `b-${round}`), '--peer', aUrl]);
      const before = pullCpu(a.pid!, b.pid);
      const measured = await withPeakRss(b.pid, () => timed(() => run('skopeo', ['--insecure-policy', 'copy', '--src-tls-verify=false', `docker://${new URL(b.url).host}/acme/bench:v2`, `dir:${out}-b`], { timeoutMs: 900_000 })));
      cpu.push(pullCpuSince(before, pullCpu(a.pid!, b.pid)));
      through.push(measured.result);
      bPeak = Math.max(bPeak, measured.peak);
      await stopChild(b.child);
      rmSync(`${out}-a`, { recursive: true, force: true });
      rmSync(`${out}-b`, { recursive: true, force: true });
      rmSync(join(work, `b-${round}`), { recursive: true, force: true });
    }
    const pullA = mb(imageBytes) / median(direct);
    const pullB = mb(imageBytes) / median(through);
    report.push(`pull of ${mb(imageBytes).toFixed(0)} MB: from A ${pullA.toFixed(0)} MB/s, through B fetching from A ${pullB.toFixed(0)} MB/s: ${(pullB / pullA).toFixed(2)}× (target ≥ 0.8×) ${pullB / pullA >= 0.8 ? 'met' : 'NOT met'}; B's peak RSS ${(bPeak / 1e6).toFixed(0)} MB`);
    console.log(report[report.length - 1]);
    // The yardstick: the same pull through a bare relay of A (bench/relay.ts), checking nothing,
    // then hashing and keeping every byte, as the least a replica must do.
    for (const mode of ['plain', 'hash-keep'] as const) {
      const relayed = await relay(aHost, mode, children);
      const seconds: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const out = join(work, `pull-relay-${round}`);
        seconds.push(await timed(() => run('skopeo', ['--insecure-policy', 'copy', '--src-tls-verify=false', `docker://${new URL(relayed.url).host}/acme/bench:v2`, `dir:${out}`], { timeoutMs: 900_000 })));
        rmSync(out, { recursive: true, force: true });
      }
      await stopChild(relayed.child);
      const rate = mb(imageBytes) / median(seconds);
      report.push(`yardstick: the same pull through a bare Node relay of A (${mode === 'plain' ? 'checking nothing' : 'hashing and keeping every byte'}): ${rate.toFixed(0)} MB/s = ${(rate / pullA).toFixed(2)}× the direct pull`);
      console.log(report[report.length - 1]);
    }
    const cpuOf = (pick: (c: PullCpu) => number) => (median(cpu.map(pick)) / 1000).toFixed(2);
    // Memory freed a while ago (as the page cache B writes into), then memory freed just before.
    await delay(NEW_MEMORY_REST_MS);
    const coldWrite = newFileWriteCost(work, imageBytes);
    const warmWrite = newFileWriteCost(work, imageBytes);
    const writeCost = (ms: number) => `${(ms / 1000).toFixed(2)} s (${mb(imageBytes / (ms / 1000)).toFixed(0)} MB/s)`;
    report.push(`CPU seconds during the pull through B (medians): B ${cpuOf((c) => c.b.user + c.b.system)} (user ${cpuOf((c) => c.b.user)}, kernel ${cpuOf((c) => c.b.system)}), A ${cpuOf((c) => c.a)}, skopeo ${cpuOf((c) => c.skopeo)}; on 2 cores the pull cannot take less than half their sum. CPU to write the image's ${mb(imageBytes).toFixed(0)} MB into a new file: ${writeCost(coldWrite)} after ${NEW_MEMORY_REST_MS / 1000} s of rest, ${writeCost(warmWrite)} right after deleting one`);
    console.log(report[report.length - 1]);

    // 2. A cold 1 GiB blob: from docker-registry, from a gateway sharing A's IPFS node, from a peer gateway.
    const blobPath = `/v2/acme/bench/blobs/${big.digest}`;
    const reference: { ttfb: number; rate: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) reference.push(await curlGet(`http://${registryHost}${blobPath}`));
    const refRate = median(reference.map((r) => r.rate));
    report.push(`docker-registry ${BIG_BLOB_MIB} MiB GET: first byte ${(median(reference.map((r) => r.ttfb)) * 1000).toFixed(0)} ms, ${mb(refRate).toFixed(0)} MB/s; SHA-256 on one core here: ${mb(hashRate).toFixed(0)} MB/s = ${(hashRate / refRate).toFixed(2)}× that`);
    console.log(report[report.length - 1]);
    // The yardstick for a cold read: docker-registry's answer through a bare relay, checking
    // nothing, then hashing every byte (the least a cold read must do).
    for (const mode of ['plain', 'hash'] as const) {
      const relayed = await relay(registryHost, mode, children);
      const rates: number[] = [];
      for (let i = 0; i < ROUNDS; i++) rates.push((await curlGet(`${relayed.url}${blobPath}`)).rate);
      await stopChild(relayed.child);
      report.push(`yardstick: docker-registry's ${BIG_BLOB_MIB} MiB GET through a bare Node relay (${mode === 'plain' ? 'checking nothing' : 'hashing every byte'}): ${mb(median(rates)).toFixed(0)} MB/s = ${(median(rates) / refRate).toFixed(2)}× docker-registry`);
      console.log(report[report.length - 1]);
    }
    for (const [label, args] of [
      ['sharing A\'s IPFS node', (dir: string) => ['--chain', chain.devnet.wsUrl, '--data-dir', dir, '--ipfs-api', ipfsApi]],
      ['peer of A', (dir: string) => ['--chain', chain.devnet.wsUrl, '--data-dir', dir, '--peer', aUrl]],
    ] as const) {
      const runs: { ttfb: number; rate: number; peak: number }[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const dir = join(work, `cold-${i}`);
        const gateway = await hcrGateway(args(dir));
        // The blob's manifest first, as a client does: the blob belongs to the repository then.
        await fetch(`${gateway.url}/v2/acme/bench/manifests/big`).then((r) => r.arrayBuffer());
        const measured = await withPeakRss(gateway.pid, () => curlGet(`${gateway.url}${blobPath}`));
        runs.push({ ...measured.result, peak: measured.peak });
        await stopChild(gateway.child);
        rmSync(dir, { recursive: true, force: true });
      }
      const ttfb = median(runs.map((r) => r.ttfb)) * 1000;
      const rate = median(runs.map((r) => r.rate));
      // Each round's too: the first is the first request A's gateway ever answers for the blob.
      const rounds = runs.map((r) => (r.ttfb * 1000).toFixed(0)).join(', ');
      report.push(`cold ${BIG_BLOB_MIB} MiB GET, ${label}: first byte ${ttfb.toFixed(0)} ms (rounds in order: ${rounds}) (target ≤ 100 ms) ${ttfb <= 100 ? 'met' : 'NOT met'}, ${mb(rate).toFixed(0)} MB/s = ${(rate / refRate).toFixed(2)}× docker-registry (target ≥ 0.8×) ${rate / refRate >= 0.8 ? 'met' : 'NOT met'}; peak RSS ${(Math.max(...runs.map((r) => r.peak)) / 1e6).toFixed(0)} MB`);
      console.log(report[report.length - 1]);
    }

    // 3. Export and import of the ~200 MB image.
    const bundle = join(work, 'bundle.car');
    const exportSeconds = await timed(() => run(process.execPath, [HCR, 'export', 'acme/bench:v2', '--gateway', aUrl, '--out', bundle], { timeoutMs: 900_000 }));
    const bundleBytes = statSync(bundle).size;
    const importSeconds = await timed(() => run(process.execPath, [HCR, 'import', bundle, '--data-dir', join(work, 'imported'), '--chain', chain.devnet.wsUrl], { timeoutMs: 900_000 }));
    report.push(`export ${mb(bundleBytes).toFixed(0)} MB: ${(mb(bundleBytes) / exportSeconds).toFixed(0)} MB/s; import (every block and blob checked): ${(mb(bundleBytes) / importSeconds).toFixed(0)} MB/s`);
    console.log(report[report.length - 1]);
    console.log(`\n${report.join('\n')}`);
  } finally {
    for (const child of children) await stopChild(child);
    await chain.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve-a') {
  serveA(process.argv[3], process.argv[4]).catch((error) => {
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
