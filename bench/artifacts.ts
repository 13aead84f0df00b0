// npm run bench:artifacts: the artifact doors at 10,000 artifact versions, and a 100 MiB firmware
// download against Debian's docker-registry in the same run.
//
// 1. `hcr dev` (everything embedded, as people run it) in a child process, with --default-space.
// 2. Fill: BENCH_ARTIFACTS artifacts × BENCH_VERSIONS versions in space acme, every manifest an
//    OCI artifact (firmware, plugin or package; labels app and platform) stored in the embedded
//    IPFS through its Kubo RPC API and recorded on chain by its owner, 200 records an extrinsic;
//    then wait until the content indexer has read every one.
// 3. List and filter: GraphQL (artifacts, artifactVersions by kind and label, a range) and the
//    REST doors (GET /firmware?label=, a package, a range, a search), each for BENCH_SECONDS at
//    BENCH_CLIENTS closed-loop clients with its variables drawn from a few dozen sets; p50/p99.
// 4. Download: a 100 MiB firmware published through POST /firmware (curl -F), then `curl` of
//    GET /firmware/{name}/{version} and of the same bytes as a blob of docker-registry, rounds
//    alternating which goes first; the median speeds, their ratio, the median of each round's
//    ratio (a round's two downloads run back to back, so load from elsewhere hits both alike),
//    and hcr dev's RSS before and at its peak during the gateway's downloads (VmHWM reset first).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { addManifest, batchAll, connectChain, createSpace, grantGateway, signerFromUri, storeDigestInfo, submitTx } from '../src/chain';
import { createLoginToken } from '../src/gateway/auth/login-token';
import { basicCredentials } from '../src/gateway/auth/token-service';
import { openBlobStore } from '../src/ipfs';
import { envInt } from './env';
import { machineSummary, percentile } from './machine';
import { MiB, median, memoryOf, randomFile, startReferenceRegistry, stopChild } from './registries';

const exec = promisify(execFile);
const ARTIFACTS = envInt('BENCH_ARTIFACTS', 500, 1);
const VERSIONS = envInt('BENCH_VERSIONS', 20, 1);
const CLIENTS = envInt('BENCH_CLIENTS', 8, 1);
const SECONDS = envInt('BENCH_SECONDS', 10, 1);
const DOWNLOAD_MIB = envInt('BENCH_DOWNLOAD_MIB', 100, 1);
const ROUNDS = envInt('BENCH_DOWNLOAD_ROUNDS', 21, 1);
const KINDS = ['firmware', 'plugin', 'package'] as const;
const TYPES = { firmware: 'application/vnd.hcr.firmware.v1', plugin: 'application/vnd.hcr.plugin.v1', package: 'application/vnd.hcr.package.v1' };
const EMPTY = { digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };

const say = (line: string) => console.log(line);
const nameOf = (i: number) => `${KINDS[i % 3] === 'firmware' ? 'fw' : KINDS[i % 3] === 'plugin' ? 'plugin' : 'pkg'}-${i}`;
const versionOf = (v: number) => `1.${Math.floor(v / 10)}.${v % 10}`;

interface Dev {
  child: ChildProcess;
  pid: number;
  chain: string;
  gateway: string;
  graphql: string;
  ipfs: string;
}

function startDev(dataDir: string): Promise<Dev> {
  // The load below is many listings at once from one address: measured without the doors' bound
  // per client (gateway.limits.listings), which would answer most of them 429.
  const config = `${dataDir}-config.yaml`;
  writeFileSync(config, 'gateway:\n  limits:\n    listings: { perIp: { perMinute: 0 }, concurrentPerIp: 0 }\n');
  const child = spawn(process.execPath, [join(__dirname, '..', 'bin', 'hcr.js'), '--config', config, 'dev', '--ephemeral', '--data-dir', dataDir, '--port', '0', '--graphql-port', '0', '--gateway-port', '0', '--ipfs-port', '0', '--processor-metrics-port', '0', '--grpc-port', '0', '--default-space', 'acme'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`hcr dev exited with ${code}:\n${out}`)));
    child.stdout!.on('data', () => {
      if (!out.includes('Ctrl-C stops everything')) return;
      const find = (label: string, pattern: RegExp) => pattern.exec(out.split('\n').find((l) => l.trim().startsWith(label)) ?? '')?.[0] ?? '';
      resolve({ child, pid: child.pid!, chain: find('chain RPC', /ws:\/\/[\d.:]+/), gateway: find('gateway', /http:\/\/[\d.:]+/), graphql: find('GraphQL', /http:\/\/[\d.:]+\/graphql/), ipfs: find('IPFS API', /http:\/\/[\d.:]+/) });
    });
  });
}

async function gql(url: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: unknown; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

async function fill(dev: Dev): Promise<void> {
  const api = await connectChain(dev.chain);
  const alice = await signerFromUri('//Alice');
  const gateway = await signerFromUri('//Gateway');
  await submitTx(api, createSpace(api, 'acme'), alice);
  await grantGateway(api, alice, gateway.address);
  const store = await openBlobStore({ dataDir: tmpdir(), ipfsApi: dev.ipfs });
  const started = performance.now();
  const empty = await store.put([Buffer.from('{}')]);
  let calls = [storeDigestInfo(api, { repo: 'acme', digest: EMPTY.digest, type: 'File', cid: empty.cid })];
  let extrinsics = 0;
  const flush = async () => {
    if (calls.length === 0) return;
    await submitTx(api, batchAll(api, calls), alice);
    extrinsics++;
    calls = [];
  };
  for (let i = 0; i < ARTIFACTS; i++) {
    const kind = KINDS[i % 3];
    for (let v = 0; v < VERSIONS; v++) {
      const layer = Buffer.from(`${nameOf(i)} ${versionOf(v)} ${'x'.repeat(64)}`);
      const layerDigest = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
      const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: TYPES[kind],
        config: { mediaType: 'application/vnd.oci.empty.v1+json', ...EMPTY },
        layers: [{ mediaType: 'application/octet-stream', digest: layerDigest, size: layer.length, annotations: { 'org.opencontainers.image.title': `${nameOf(i)}.bin` } }],
        annotations: { app: String(i % 10), platform: i % 2 ? 'esp32' : 'esp8266', 'org.opencontainers.image.version': versionOf(v), 'org.opencontainers.image.description': `${kind} number ${i}` },
      }));
      const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
      const { cid } = await store.put([manifest]);
      calls.push(addManifest(api, { repo: 'acme', image: nameOf(i), tag: versionOf(v), digest, cid }));
      if (calls.length >= 200) await flush();
    }
    if (i % 50 === 49) say(`  filled ${(i + 1) * VERSIONS} versions (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  await flush();
  await store.close();
  await api.disconnect();
  say(`filled ${ARTIFACTS * VERSIONS} artifact versions in ${extrinsics} extrinsics, ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

interface LoadResult {
  label: string;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  perSecond: number;
}

async function load(label: string, request: (i: number) => Promise<Response>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const warmUntil = Date.now() + 2_000;
  const until = warmUntil + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        const start = performance.now();
        const response = await request(counter++).catch(() => undefined);
        const ok = response?.ok === true;
        await response?.arrayBuffer().catch(() => undefined);
        if (Date.now() < warmUntil) continue;
        if (!ok) errors++;
        latencies.push(performance.now() - start);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { label, requests: latencies.length, errors, p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond: latencies.length / SECONDS };
}

const post = (url: string, query: string, variables: Record<string, unknown>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });

async function curlSpeed(url: string, headers: string[] = []): Promise<{ bytes: number; mbps: number; firstByteMs: number }> {
  const { stdout } = await exec('curl', ['-sS', '-f', '-o', '/dev/null', '-w', '%{size_download} %{speed_download} %{time_starttransfer}', ...headers.flatMap((h) => ['-H', h]), url], { maxBuffer: 1024 * 1024 });
  const [bytes, speed, firstByte] = stdout.trim().split(' ').map(Number);
  return { bytes, mbps: speed / 1e6, firstByteMs: firstByte * 1000 };
}

async function main(): Promise<void> {
  say(`bench:artifacts on ${machineSummary()}`);
  say(`${ARTIFACTS} artifacts × ${VERSIONS} versions, ${CLIENTS} clients × ${SECONDS} s per query, a ${DOWNLOAD_MIB} MiB download × ${ROUNDS} rounds`);
  const work = mkdtempSync(join(tmpdir(), 'hcr-bench-artifacts-'));
  const children: ChildProcess[] = [];
  let dev: Dev | undefined;
  try {
    const dataDir = join(work, 'dev');
    await exec('mkdir', ['-p', dataDir]);
    await exec('chmod', ['755', work, dataDir]);
    dev = await startDev(dataDir);
    children.push(dev.child);
    await fill(dev);
    const total = ARTIFACTS * VERSIONS;
    const indexStart = performance.now();
    for (;;) {
      const data = await gql(dev.graphql, '{ manifestContentsConnection(orderBy: id_ASC, where: { state_eq: indexed }) { totalCount } }').catch(() => undefined);
      const indexed = data?.manifestContentsConnection.totalCount ?? 0;
      if (indexed >= total) break;
      if (performance.now() - indexStart > 30 * 60_000) throw new Error(`only ${indexed} of ${total} manifests were indexed after 30 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    say(`the content indexer read all ${total} manifests ${((performance.now() - indexStart) / 1000).toFixed(0)} s after the fill`);
    const counted = await gql(dev.graphql, '{ a: artifactVersions(space: "acme", limit: 1, offset: 0) { version } b: artifacts(space: "acme", limit: 1000) { versionCount } }');
    say(`GraphQL lists ${counted.b.reduce((sum: number, a: { versionCount: number }) => sum + a.versionCount, 0)} versions of ${counted.b.length} artifacts`);

    const pick = (i: number, n: number) => i % n;
    const results: (LoadResult & { uncached: string })[] = [];
    const names = Math.min(50, ARTIFACTS);
    const queries: [string, number, (i: number) => Promise<Response>][] = [
      ['GraphQL artifacts (a page of 50 with their versions)', 10, (i) => post(dev!.graphql, 'query($o: Int!) { artifacts(space: "acme", limit: 50, offset: $o) { name kinds versionCount latest { version digest } } }', { o: pick(i, 10) * 50 })],
      ['GraphQL artifactVersions by kind and label', 10, (i) => post(dev!.graphql, 'query($l: [String!]) { artifactVersions(space: "acme", kind: ["application/vnd.hcr.firmware.v1"], label: $l, limit: 100) { version digest artifactName labels { key value } } }', { l: [`app=${pick(i, 10)}`] })],
      ['GraphQL artifactVersions in a range', names, (i) => post(dev!.graphql, 'query($n: String!) { artifactVersions(space: "acme", name: $n, range: "~1.0", limit: 1) { version digest } }', { n: nameOf(pick(i, names)) })],
      ['REST GET /firmware?label=app=N', 10, (i) => fetch(`${dev!.gateway}/firmware?label=app=${pick(i, 10)}`)],
      ['REST GET /api/packages/{name}', names, (i) => fetch(`${dev!.gateway}/api/packages/acme/${nameOf(pick(i, names))}`)],
      ['REST GET /api/packages/{name}/resolve?range=~1.0', names, (i) => fetch(`${dev!.gateway}/api/packages/acme/${nameOf(pick(i, names))}/resolve?range=~1.0`)],
      ['REST GET /api/search?q=', Math.min(20, ARTIFACTS), (i) => fetch(`${dev!.gateway}/api/search?q=pkg-${pick(i, Math.min(20, ARTIFACTS))}`)],
    ];
    for (const [label, sets, request] of queries) {
      // Each set of variables once, one at a time: what a query the response cache has not seen costs.
      const uncached: number[] = [];
      for (let i = 0; i < sets; i++) {
        const first = performance.now();
        const response = await request(i);
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`${label} answered ${response.status}`);
        uncached.push(performance.now() - first);
      }
      uncached.sort((a, b) => a - b);
      const result = await load(label, request);
      results.push({ ...result, uncached: `${uncached[0].toFixed(0)}–${uncached[uncached.length - 1].toFixed(0)} ms` });
      say(`  ${label}: ${sets} variable sets, uncached ${uncached[0].toFixed(0)}–${uncached[uncached.length - 1].toFixed(0)} ms; then p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ${result.perSecond.toFixed(0)}/s, ${result.errors} errors`);
    }

    // The download: one firmware published through the door, the same bytes in docker-registry.
    const file = join(work, 'big.bin');
    const digest = await randomFile(file, DOWNLOAD_MIB * MiB);
    const service = new URL(dev.gateway).host;
    const alice = await signerFromUri('//Alice');
    const minted = await fetch(`${dev.gateway}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicCredentials(alice.address, await createLoginToken(alice, service, { ttlSeconds: 600 })) }, body: JSON.stringify({ name: 'bench', scopes: ['publish'] }) });
    const answer = (await minted.json()) as { token?: string };
    const token = answer.token;
    if (!token) throw new Error(`minting a publish token answered ${minted.status}: ${JSON.stringify(answer)}`);
    writeFileSync(join(work, 'meta.json'), JSON.stringify({ name: 'big', version: '1.0.0', labels: { app: 'bench' } }));
    const publishStart = performance.now();
    await exec('curl', ['-sS', '-f', '-X', 'POST', `${dev.gateway}/firmware`, '-H', `Authorization: Bearer ${token}`, '-F', `metadata=<${join(work, 'meta.json')}`, '-F', `firmware=@${file}`], { cwd: work, maxBuffer: 1024 * 1024 });
    say(`published the ${DOWNLOAD_MIB} MiB firmware through POST /firmware in ${((performance.now() - publishStart) / 1000).toFixed(1)} s (upload, IPFS, the chain, and the index listing it)`);
    const registry = await startReferenceRegistry(work, children);
    const started = await exec('curl', ['-sS', '-f', '-D', '-', '-o', '/dev/null', '-X', 'POST', `http://${registry.host}/v2/bench/big/blobs/uploads/`], { maxBuffer: 1024 * 1024 });
    const location = /^location: *(\S+)/im.exec(started.stdout)![1];
    const upload = new URL(location, `http://${registry.host}`);
    upload.searchParams.set('digest', digest);
    await exec('curl', ['-sS', '-f', '-X', 'PUT', upload.href, '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${file}`], { maxBuffer: 1024 * 1024 });
    await exec('sync');
    const gatewaySpeeds: number[] = [];
    const registrySpeeds: number[] = [];
    const gatewayFirstBytes: number[] = [];
    const registryFirstBytes: number[] = [];
    const before = memoryOf(dev.pid).rss;
    writeFileSync(`/proc/${dev.pid}/clear_refs`, '5');
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['gateway', 'registry'] : ['registry', 'gateway'];
      for (const side of order) {
        const got = side === 'gateway' ? await curlSpeed(`${dev.gateway}/firmware/big/1.0.0`) : await curlSpeed(`http://${registry.host}/v2/bench/big/blobs/${digest}`);
        if (got.bytes !== DOWNLOAD_MIB * MiB) throw new Error(`${side} sent ${got.bytes} bytes`);
        (side === 'gateway' ? gatewaySpeeds : registrySpeeds).push(got.mbps);
        (side === 'gateway' ? gatewayFirstBytes : registryFirstBytes).push(got.firstByteMs);
      }
    }
    const peak = memoryOf(dev.pid).peak;
    const g = median(gatewaySpeeds);
    const r = median(registrySpeeds);
    say(`download of ${DOWNLOAD_MIB} MiB with curl, median of ${ROUNDS}: GET /firmware/big/1.0.0 ${g.toFixed(0)} MB/s (${gatewaySpeeds.map((s) => s.toFixed(0)).join(', ')}), docker-registry blob ${r.toFixed(0)} MB/s (${registrySpeeds.map((s) => s.toFixed(0)).join(', ')}): ${(g / r).toFixed(2)}× (target ≥ 0.9×)`);
    const paired = median(gatewaySpeeds.map((speed, round) => speed / registrySpeeds[round]));
    say(`each round's ratio, median of ${ROUNDS}: ${paired.toFixed(2)}×`);
    say(`first byte after the request, median: gateway ${median(gatewayFirstBytes).toFixed(1)} ms, docker-registry ${median(registryFirstBytes).toFixed(1)} ms`);
    say(`hcr dev's RSS (chain, IPFS and gateway in one process): ${(before / MiB).toFixed(0)} MiB before the downloads, peak ${(peak / MiB).toFixed(0)} MiB during them`);
    say('');
    say(`| measure (${CLIENTS} clients) | uncached, one at a time | p50 | p99 | requests/s |`);
    say('|---|---|---|---|---|');
    for (const result of results) say(`| ${result.label} | ${result.uncached} | ${result.p50.toFixed(1)} ms | ${result.p99.toFixed(1)} ms | ${result.perSecond.toFixed(0)} |`);
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`bench:artifacts failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
