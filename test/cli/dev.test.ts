// The README's run command: `hcr dev` starts the whole system on embedded defaults, prints where
// each part listens, serves the README's push and pull (hcr space create, grant-gateway, hcr login,
// skopeo), and stops everything on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { missingTools, run } from '../gateway/helpers/tools';
import { buildImage, readBlob } from '../gateway/helpers/oci-layout';

const ROOT = join(__dirname, '..', '..');
const HCR = join(ROOT, 'bin', 'hcr.js');
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

interface Addresses {
  chain: string;
  graphql: string;
  gateway: string;
  ipfs: string;
  /** The gateway's, GraphQL's and the processor's /metrics. */
  metrics: string[];
}

function startDev(dataDir: string): { child: ChildProcess; addresses: Promise<Addresses>; output: () => string } {
  const child = spawn(process.execPath, [HCR, 'dev', '--ephemeral', '--data-dir', dataDir, '--port', '0', '--graphql-port', '0', '--gateway-port', '0', '--ipfs-port', '0', '--processor-metrics-port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const addresses = new Promise<Addresses>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hcr dev did not start within 120 s:\n${out}`)), 120_000);
    child.on('exit', (code) => reject(new Error(`hcr dev exited with ${code}:\n${out}`)));
    child.stdout!.on('data', () => {
      if (!out.includes('Ctrl-C stops everything')) return;
      clearTimeout(timer);
      const find = (label: string, pattern: RegExp) => {
        const line = out.split('\n').find((l) => l.trim().startsWith(label));
        const match = line && pattern.exec(line);
        if (!match) throw new Error(`no ${label} address in:\n${out}`);
        return match[0];
      };
      resolve({
        chain: find('chain RPC', /ws:\/\/[\d.:]+/),
        graphql: find('GraphQL', /http:\/\/[\d.:]+\/graphql/),
        gateway: find('gateway', /http:\/\/[\d.:]+/).replace('http://', ''),
        ipfs: find('IPFS API', /http:\/\/[\d.:]+/),
        metrics: find('metrics', /.*/).match(/http:\/\/[\d.:]+\/metrics/g) ?? [],
      });
    });
  });
  return { child, addresses, output: () => out };
}

const hcr = (args: string[]) => run(process.execPath, [HCR, ...args], { cwd: ROOT, timeoutMs: 120_000 });

async function graphql(url: string, query: string): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return ((await response.json()) as { data: unknown }).data;
}

test('hcr dev runs the whole system and the README push and pull work against it', { timeout: 600_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcr-dev-'));
  // Embedded Postgres runs as the "postgres" user when the tests run as root.
  chmodSync(dataDir, 0o755);
  const dev = startDev(dataDir);
  t.after(() => {
    dev.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  const at = await dev.addresses;

  // Every part answers where it said it listens.
  const header = await fetch(at.chain.replace('ws://', 'http://'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"system_chain","params":[]}' });
  assert.equal(((await header.json()) as { result: string }).result, 'Hippius Development');
  // The processor creates its status table when it connects, a moment after GraphQL is up.
  const statusDeadline = Date.now() + 60_000;
  let status: { height: number } | undefined;
  while (!status && Date.now() < statusDeadline) {
    status = (await graphql(at.graphql, '{ squidStatus { height } }'))?.squidStatus;
    if (!status) await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(typeof status?.height, 'number');
  assert.equal((await fetch(`http://${at.gateway}/v2/`)).headers.get('docker-distribution-api-version'), 'registry/2.0');
  assert.equal((await fetch(`${at.ipfs}/api/v0/version`, { method: 'POST' })).status, 200);
  // The gateway serves the wallet page and its API.
  const page = await fetch(`http://${at.gateway}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
  const openapi = (await (await fetch(`http://${at.gateway}/api/openapi.json`)).json()) as { openapi: string };
  assert.match(openapi.openapi, /^3\./);

  // Health and metrics: the gateway, GraphQL and the processor each expose Prometheus metrics,
  // and the gateway and GraphQL say they are ready (chain, IPFS, Postgres, the index's lag).
  assert.equal(at.metrics.length, 3, dev.output());
  const [gatewayMetrics, graphqlMetrics, processorMetrics] = await Promise.all(at.metrics.map(async (url) => (await fetch(url)).text()));
  assert.match(gatewayMetrics, /^hcr_gateway_http_requests_total\{/m);
  assert.match(graphqlMetrics, /^hcr_graphql_request_duration_seconds_count\{status="200",cached="(no|yes)"\} [1-9]/m);
  assert.match(processorMetrics, /^sqd_processor_last_block /m);
  const readyDeadline = Date.now() + 60_000;
  let gatewayReady: any;
  let graphqlReady: any;
  do {
    gatewayReady = await (await fetch(`http://${at.gateway}/readyz`)).json();
    graphqlReady = await (await fetch(at.graphql.replace(/graphql$/, 'readyz'))).json();
    if (gatewayReady.status === 'ready' && graphqlReady.status === 'ready') break;
    await new Promise((r) => setTimeout(r, 500));
  } while (Date.now() < readyDeadline);
  assert.equal(gatewayReady.status, 'ready', JSON.stringify(gatewayReady));
  assert.deepEqual(Object.keys(gatewayReady.checks).sort(), ['chain', 'index', 'ipfs']);
  assert.equal(graphqlReady.status, 'ready', JSON.stringify(graphqlReady));
  assert.deepEqual(Object.keys(graphqlReady.checks).sort(), ['index', 'postgres']);

  // The README's walk-through: a space, the gateway's grant, a login token.
  await hcr(['space', 'create', 'acme', '--suri', '//Alice', '--chain', at.chain]);
  await hcr(['space', 'grant-gateway', '--suri', '//Alice', '--chain', at.chain]);
  const token = (await hcr(['login', at.gateway, '--suri', '//Alice', '--print-token'])).stdout.trim();
  assert.ok(token.length > 40);

  const skip = missingTools(['skopeo', 'umoci'], 'skopeo umoci busybox-static');
  if (skip) {
    t.diagnostic(`push and pull not exercised: ${skip}`);
  } else {
    const work = join(dataDir, 'image');
    const descriptor = await buildImage(work, join(work, 'oci'), 'v1', { randomSizes: [1024, 64 * 1024] });
    const pushed = JSON.parse(readBlob(join(work, 'oci'), descriptor.digest).toString('utf8')) as { layers: { digest: string }[] };
    await run('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', `${ALICE}:${token}`, `oci:${join(work, 'oci')}:v1`, `docker://${at.gateway}/acme/web:1.0`], { timeoutMs: 300_000 });
    const out = join(work, 'pulled');
    await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${at.gateway}/acme/web:1.0`, `dir:${out}`], { timeoutMs: 300_000 });
    const pulled = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
    assert.deepEqual(pulled.layers.map((l) => l.digest), pushed.layers.map((l) => l.digest));
    for (const layer of pulled.layers) {
      const bytes = readFileSync(join(out, layer.digest.replace('sha256:', '')));
      assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, layer.digest);
    }
    // The index sees the push.
    const deadline = Date.now() + 60_000;
    let tags: { name: string }[] = [];
    while (Date.now() < deadline && tags.length === 0) {
      const data = await graphql(at.graphql, '{ tags(where: { name_eq: "1.0" }) { name } }');
      tags = data?.tags ?? [];
      if (tags.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(tags, [{ name: '1.0' }]);
  }

  // Ctrl-C / SIGTERM stops everything.
  const exited = new Promise<number | null>((resolve) => dev.child.once('exit', resolve));
  dev.child.kill('SIGTERM');
  assert.equal(await exited, 0, dev.output());
});
