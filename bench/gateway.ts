// The gateway side by side with Debian's docker-registry (the CNCF distribution registry 2.8),
// in one run on loopback: skopeo push and pull of a ~200 MB multi-layer image (the median of
// BENCH_ROUNDS rounds each), curl of one 100 MiB blob, and the gateway's peak RSS while a 1 GiB
// blob is pulled. Prints MB/s and our/their ratios against the targets (pull ≥ 1.0×, push ≥ 0.7×,
// blob GET ≥ 0.8×, RSS < 200 MB).
//
// The gateway runs in a child process (bench/gateway-server.ts, with its embedded IPFS store,
// as `hcr dev` runs it) so its RSS is its own. The dev chain runs here.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createSpace, grantGateway, signerFromUri, submitTx } from '../src/chain';
import { startTestChain } from '../test/helpers/devnet';
import { buildImage, readBlob } from '../test/gateway/helpers/oci-layout';
import { missingTools, run } from '../test/gateway/helpers/tools';
import { machineSummary } from './machine';
import { MiB, mbps, median, randomFile, rssOf, startGatewayProcess, startReferenceRegistry, stopChild, type Target, timed } from './registries';

const LAYER_MIB = (process.env.BENCH_LAYERS_MIB ?? '15,25,35,45,80').split(',').map(Number);
const BLOB_MIB = Number(process.env.BENCH_BLOB_MIB ?? 100);
const BIG_BLOB_MIB = Number(process.env.BENCH_BIG_BLOB_MIB ?? 1024);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** POST to start an upload, then PUT the whole file with curl (streamed from disk). */
async function uploadWithCurl(target: Target, name: string, file: string, digest: string): Promise<void> {
  const started = await fetch(`http://${target.host}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  if (started.status !== 202) throw new Error(`${target.label} answered ${started.status} to starting an upload: ${await started.text()}`);
  const location = new URL(started.headers.get('location')!, `http://${target.host}`);
  location.searchParams.set('digest', digest);
  await run('curl', ['-sS', '-f', '-X', 'PUT', '-T', file, '-H', 'Content-Type: application/octet-stream', location.toString()], { timeoutMs: 600_000 });
}

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

    // The reference registry, and our gateway in its own process.
    const reference = await startReferenceRegistry(work, children);
    const alice = await signerFromUri('//Alice');
    await submitTx(chain.api, createSpace(chain.api, 'acme'), alice);
    await grantGateway(chain.api, alice, (await signerFromUri('//Gateway')).address);
    const gateway = await startGatewayProcess(work, chain.devnet.wsUrl, children);
    const pid = gateway.pid;
    const targets: Target[] = [reference, gateway];
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

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
