// The gateway under load, side by side with Debian's docker-registry (the CNCF distribution
// registry 2.8) in the same run on loopback:
//   1. a rollout: BENCH_ROLLOUT_CLIENTS (50) clients pull the same ~200 MB image at once, each a
//      curl fetching the manifest, the config and every layer in turn, as a node pulling would;
//   2. BENCH_SMALL_CLIENTS (200) clients for BENCH_SMALL_SECONDS (30 s), each sending HEAD and GET
//      of the manifest and of a small blob in turn over its own keep-alive connection.
// Reported for each: aggregate MB/s and the gateway/reference ratio (target ≥ 1.0×), p50 and p99
// latency (a whole pull; one request), the error count (target 0), and the gateway's peak RSS.
// Both registries get the image through skopeo first. The load generators run in this process
// and in curl processes, the gateway in a process of its own (bench/gateway-server.ts).
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSpace, grantGateway, signerFromUri, submitTx } from '../src/chain';
import { startTestChain } from '../test/helpers/devnet';
import { buildImage, readBlob } from '../test/gateway/helpers/oci-layout';
import { missingTools, run } from '../test/gateway/helpers/tools';
import { machineSummary, percentile } from './machine';
import { MiB, memoryOf, startGatewayProcess, startReferenceRegistry, stopChild, type Target } from './registries';

const LAYER_MIB = (process.env.BENCH_LAYERS_MIB ?? '15,25,35,45,80').split(',').map(Number);
const ROLLOUT_CLIENTS = Number(process.env.BENCH_ROLLOUT_CLIENTS ?? 50);
const SMALL_CLIENTS = Number(process.env.BENCH_SMALL_CLIENTS ?? 200);
const SMALL_SECONDS = Number(process.env.BENCH_SMALL_SECONDS ?? 30);
const MANIFEST_TYPES = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

interface Image {
  readonly manifestDigest: string;
  readonly manifestBytes: number;
  readonly blobs: readonly { digest: string; size: number }[];
  readonly bytes: number;
}

interface Outcome {
  readonly mbps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly count: number;
  readonly detail: string;
}

/** One client of the rollout: a curl fetching every part of the image in turn. Resolves with its time, or the error. */
function pullOnce(target: Target, image: Image): Promise<{ seconds: number; bytes: number; error?: string }> {
  const base = `http://${target.host}/v2/acme/load`;
  const args = ['-sS', '-f', '-w', '%{size_download}\\n', '-H', `Accept: ${MANIFEST_TYPES}`, '-o', '/dev/null', `${base}/manifests/v1`];
  for (const blob of image.blobs) args.push('-o', '/dev/null', `${base}/blobs/${blob.digest}`);
  const started = performance.now();
  return new Promise((resolve) => {
    const curl = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    curl.stdout.on('data', (chunk) => (out += chunk));
    curl.stderr.on('data', (chunk) => (err += chunk));
    curl.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const sizes = out.trim().split('\n').map(Number);
      const bytes = sizes.reduce((sum, size) => sum + size, 0);
      const expected = [image.manifestBytes, ...image.blobs.map((b) => b.size)];
      const wrong = sizes.length !== expected.length || sizes.some((size, i) => size !== expected[i]);
      resolve({ seconds, bytes, error: code !== 0 ? `curl exited ${code}: ${err.trim().slice(0, 200)}` : wrong ? `sizes ${sizes.join(',')} are not ${expected.join(',')}` : undefined });
    });
  });
}

async function rollout(target: Target, image: Image): Promise<Outcome> {
  const started = performance.now();
  const pulls = await Promise.all(Array.from({ length: ROLLOUT_CLIENTS }, () => pullOnce(target, image)));
  const seconds = (performance.now() - started) / 1000;
  const times = pulls.map((p) => p.seconds).sort((a, b) => a - b);
  const errors = pulls.filter((p) => p.error);
  const bytes = pulls.reduce((sum, p) => sum + p.bytes, 0);
  return {
    mbps: bytes / 1e6 / seconds,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    errors: errors.length,
    count: pulls.length,
    detail: `${(bytes / 1e9).toFixed(2)} GB in ${seconds.toFixed(1)} s${errors.length ? `; first error: ${errors[0].error}` : ''}`,
  };
}

/** Small requests for `seconds` from `clients` loops, each on its own keep-alive connection. */
async function smallRequests(target: Target, image: Image): Promise<Outcome> {
  const [host, port] = target.host.split(':');
  const small = image.blobs.reduce((a, b) => (b.size < a.size ? b : a));
  const kinds = [
    { method: 'HEAD', path: '/v2/acme/load/manifests/v1' },
    { method: 'GET', path: '/v2/acme/load/manifests/v1' },
    { method: 'HEAD', path: `/v2/acme/load/blobs/${small.digest}` },
    { method: 'GET', path: `/v2/acme/load/blobs/${small.digest}` },
  ];
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  let firstError = '';
  const deadline = performance.now() + SMALL_SECONDS * 1000;
  const client = async (index: number) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = index; performance.now() < deadline; i++) {
      const kind = kinds[i % kinds.length];
      const started = performance.now();
      try {
        const { status, length } = await new Promise<{ status: number; length: number }>((resolve, reject) => {
          const req = request({ host, port, method: kind.method, path: kind.path, agent, headers: { Accept: MANIFEST_TYPES } }, (res) => {
            let length = 0;
            res.on('data', (chunk: Buffer) => (length += chunk.length));
            res.on('end', () => resolve({ status: res.statusCode!, length }));
            res.on('error', reject);
          });
          req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
          req.on('error', reject);
          req.end();
        });
        if (status !== 200) throw new Error(`${kind.method} ${kind.path} answered ${status}`);
        bytes += length;
      } catch (error) {
        errors += 1;
        firstError ||= (error as Error).message;
      }
      latencies.push(performance.now() - started);
    }
    agent.destroy();
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: SMALL_CLIENTS }, (_, i) => client(i)));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    mbps: bytes / 1e6 / seconds,
    p50: percentile(latencies, 50) / 1000,
    p99: percentile(latencies, 99) / 1000,
    errors,
    count: latencies.length,
    detail: `${latencies.length} requests, ${(latencies.length / seconds).toFixed(0)}/s${errors ? `; first error: ${firstError}` : ''}`,
  };
}

async function main(): Promise<void> {
  const skip = missingTools(['skopeo', 'umoci', 'docker-registry', 'curl', 'tar', 'busybox'], 'skopeo umoci docker-registry curl busybox-static');
  if (skip) {
    console.error(`bench:load ${skip}`);
    process.exit(2);
  }
  console.log(`machine: ${machineSummary()}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the start`);
  const work = mkdtempSync(join(tmpdir(), 'hcr-bench-load-'));
  const children: ChildProcess[] = [];
  const chain = await startTestChain();
  try {
    const layout = join(work, 'layout');
    const descriptor = await buildImage(work, layout, 'v1', { randomSizes: LAYER_MIB.map((m) => m * MiB) });
    const manifest = JSON.parse(readBlob(layout, descriptor.digest).toString()) as { config: { digest: string; size: number }; layers: { digest: string; size: number }[] };
    const blobs = [manifest.config, ...manifest.layers].map(({ digest, size }) => ({ digest, size }));
    const image: Image = { manifestDigest: descriptor.digest, manifestBytes: descriptor.size, blobs, bytes: descriptor.size + blobs.reduce((sum, b) => sum + b.size, 0) };
    console.log(`image: ${blobs.length - 1} layers, ${(image.bytes / 1e6).toFixed(1)} MB; rollout: ${ROLLOUT_CLIENTS} clients pulling it at once; small requests: ${SMALL_CLIENTS} clients for ${SMALL_SECONDS} s`);

    const reference = await startReferenceRegistry(work, children);
    const alice = await signerFromUri('//Alice');
    await submitTx(chain.api, createSpace(chain.api, 'acme'), alice);
    await grantGateway(chain.api, alice, (await signerFromUri('//Gateway')).address);
    const gateway = await startGatewayProcess(work, chain.devnet.wsUrl, children);
    const targets = [reference, gateway];
    for (const target of targets) {
      await run('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${target.host}/acme/load:v1`], { timeoutMs: 900_000 });
    }
    await run('sync', []);
    // The gateway's memory before the load, after the push (whose peak is not what is measured),
    // and its peak while each load runs against it.
    const baseline = memoryOf(gateway.pid);
    const peaks: Record<string, number> = {};
    const sampled = async <T>(phase: string, target: Target, work: () => Promise<T>): Promise<T> => {
      if (target !== gateway) return work();
      let peak = memoryOf(gateway.pid).rss;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, memoryOf(gateway.pid).rss);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      try {
        return await work();
      } finally {
        sampling = false;
        await sampler;
        peaks[phase] = peak;
      }
    };

    const results: Record<string, { rollout: Outcome; small: Outcome }> = {};
    // The reference goes first in the rollout and second in the small requests.
    for (const target of targets) results[target.label] = { rollout: await sampled('rollout', target, () => rollout(target, image)), small: undefined! };
    for (const target of [...targets].reverse()) results[target.label].small = await sampled('small requests', target, () => smallRequests(target, image));

    const print = (what: string, key: 'rollout' | 'small', unit: string) => {
      console.log(`\n${what}`);
      for (const target of targets) {
        const o = results[target.label][key];
        const time = (seconds: number) => (unit === 's' ? `${seconds.toFixed(2)} s` : `${(seconds * 1000).toFixed(1)} ms`);
        console.log(`  ${target.label.padEnd(16)} ${o.mbps.toFixed(unit === 's' ? 0 : 1).padStart(6)} MB/s   p50 ${time(o.p50)}   p99 ${time(o.p99)}   errors ${o.errors}/${o.count}   (${o.detail})`);
      }
      const ratio = results.gateway[key].mbps / results['docker-registry'][key].mbps;
      const p99Ratio = results.gateway[key].p99 / results['docker-registry'][key].p99;
      console.log(`  aggregate MB/s, gateway/ref: ${ratio.toFixed(2)}×  (target ≥ 1.0×) ${ratio >= 1 ? 'met' : 'NOT met'};  p99 gateway/ref: ${p99Ratio.toFixed(2)}×;  gateway errors: ${results.gateway[key].errors} (target 0) ${results.gateway[key].errors === 0 ? 'met' : 'NOT met'}`);
    };
    print(`rollout: ${ROLLOUT_CLIENTS} clients pulling the ${(image.bytes / 1e6).toFixed(0)} MB image at once (latency: one whole pull)`, 'rollout', 's');
    print(`small requests: ${SMALL_CLIENTS} clients, HEAD/GET of the manifest and a ${(image.blobs.reduce((a, b) => (b.size < a.size ? b : a)).size / 1024).toFixed(1)} KiB blob for ${SMALL_SECONDS} s (latency: one request)`, 'small', 'ms');
    const end = memoryOf(gateway.pid);
    const reference_ = memoryOf(reference.pid);
    console.log(`\ngateway RSS: ${(baseline.rss / 1e6).toFixed(0)} MB before the load; peak ${Object.entries(peaks).map(([phase, peak]) => `${(peak / 1e6).toFixed(0)} MB during the ${phase}`).join(', ')} (process peak, push included: ${(end.peak / 1e6).toFixed(0)} MB); docker-registry process peak: ${(reference_.peak / 1e6).toFixed(0)} MB`);
    console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine slows both sides, and not always alike)`);
    console.log(`gateway metrics after the run: ${(await (await fetch(`http://${gateway.host}/metrics`)).text()).split('\n').filter((l) => /^hcr_gateway_blob_cache_requests_total/.test(l)).join('; ')}`);
  } finally {
    for (const child of children) await stopChild(child);
    await chain.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
