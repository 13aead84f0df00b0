// The registry outlives any one gateway. Three gateways, each with its own data dir and embedded
// IPFS store, on one dev chain: A takes a push (skopeo); B, a read-only `hcr gateway --peer A`,
// serves skopeo copy and docker pull byte-identical, and still does once A is gone; C, never
// connected to A or B, imports an export of the space (`hcr export`, `hcr import`) and serves the
// same pull, with the chain and, saying as of which block, without it. A bundle with one flipped
// byte, a missing block, or a record the chain contradicts is refused whole.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import type { CID } from 'multiformats/cid';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { carBlock, carHeader } from '../../src/ipfs/car';
import { ipfsModules } from '../../src/ipfs/esm';
import { type RunningGateway, startGateway } from '../../src/gateway';
import { collect, expectExit, spawnHcr } from '../cli/helpers/run-hcr';
import { settledHead } from '../helpers/devnet';
import { buildImage, type LayoutManifest, readBlob } from './helpers/oci-layout';
import { startDockerEngine, type DockerEngine } from './helpers/engines';
import { missingTools, run } from './helpers/tools';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const skip = missingTools(['skopeo', 'umoci', 'tar', 'busybox'], 'skopeo umoci busybox-static');
const dockerSkip = missingTools(['dockerd', 'docker'], 'docker.io');

/** `hcr …` with the environment the tests want; resolves when it exits. */
function hcr(args: string[], env: NodeJS.ProcessEnv = {}) {
  return collect(spawnHcr(args, { ...process.env, ...env }), args.join(' '));
}

/** A long-running `hcr gateway`, resolved once it prints its address. */
async function hcrGateway(args: string[]): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawnHcr(['gateway', ...args], { ...process.env, HCR_LOG_FORMAT: 'text' });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hcr gateway did not start:\n${output}`)), 60_000);
    const look = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /gateway: (http:\/\/[\d.]+:\d+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.on('exit', (code) => reject(new Error(`hcr gateway exited (${code}):\n${output}`)));
  });
  return { url, child, output: () => output };
}

describe('replicas, peers and offline bundles', { skip }, () => {
  let a: TestGateway;
  let work: string;
  let layout: string;
  let image: LayoutManifest;
  let b: Awaited<ReturnType<typeof hcrGateway>>;
  let bundle: string;
  const skopeo = (...args: string[]) => run('skopeo', ['--insecure-policy', ...args], { timeoutMs: 300_000 });

  /** skopeo copy of acme/busybox:v1 from `gateway` into a dir, checked byte for byte against the layout. */
  async function pulledIdentical(gateway: string, into: string): Promise<void> {
    const out = join(work, into);
    await skopeo('copy', '--src-tls-verify=false', `docker://${new URL(gateway).host}/acme/busybox:v1`, `dir:${out}`);
    const manifestBytes = readBlob(layout, image.digest);
    assert.deepEqual(readFileSync(join(out, 'manifest.json')), manifestBytes);
    const manifest = JSON.parse(manifestBytes.toString()) as { config: { digest: string }; layers: { digest: string }[] };
    for (const descriptor of [manifest.config, ...manifest.layers]) assert.deepEqual(readFileSync(join(out, descriptor.digest.slice(7))), readBlob(layout, descriptor.digest), descriptor.digest);
  }

  before(async () => {
    a = await startTestGateway();
    work = mkdtempSync(join(tmpdir(), 'hcr-replicas-'));
    layout = join(work, 'layout');
    image = await buildImage(work, layout, 'v1', { randomSizes: [1024, 3 * 1024 * 1024] });
    await skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${new URL(a.url).host}/acme/busybox:v1`);
    await settledHead(a.chain.api);
    b = await hcrGateway(['--chain', a.chain.devnet.wsUrl, '--data-dir', join(work, 'b'), '--port', '0', '--peer', a.url]);
  });
  after(async () => {
    b?.child.kill('SIGTERM');
    await a?.close().catch(() => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('B, a read-only gateway with A as its peer, serves skopeo copy byte-identical from its own store', { timeout: 180_000 }, async () => {
    await pulledIdentical(b.url, 'from-b');
    assert.match(b.output(), /fetched .* from peers and pinned it/);
  });

  it('B serves docker pull byte-identical', { skip: dockerSkip, timeout: 300_000 }, async () => {
    const engine: DockerEngine = await startDockerEngine(join(work, 'docker'));
    try {
      await engine.docker(['pull', `${new URL(b.url).host}/acme/busybox:v1`], { timeoutMs: 240_000 });
      const digests = await engine.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', `${new URL(b.url).host}/acme/busybox:v1`]);
      assert.ok(digests.includes(image.digest), `docker pulled ${digests}, not ${image.digest}`);
    } finally {
      await engine.stop();
    }
  });

  it('hcr mirror: a push to A after the mirror started is pinned on the mirror without any pull', { timeout: 240_000 }, async () => {
    const mirrorDir = join(work, 'mirror');
    const mirror = await hcrGateway(['--chain', a.chain.devnet.wsUrl, '--data-dir', mirrorDir, '--port', '0', '--peer', a.url, '--mirror', 'acme']);
    const status = async () => (await (await fetch(`${mirror.url}/mirror`)).json()) as { tags: { repository: string; tag: string; digest?: string; state: string; since: string }[]; lastPass?: { block: number } };
    const until = async (what: string, ready: (s: Awaited<ReturnType<typeof status>>) => boolean) => {
      const deadline = Date.now() + 120_000;
      for (let s = await status(); !ready(s); s = await status()) {
        assert.ok(Date.now() < deadline, `${what}; the mirror says ${JSON.stringify(s)}\n${mirror.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    };
    try {
      await until('the first pass mirrors acme/busybox:v1', (s) => s.tags.some((t) => t.tag === 'v1' && t.state === 'mirrored'));
      const second = await buildImage(work, layout, 'v2', { randomSizes: [2 * 1024 * 1024] });
      await skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:v2`, `docker://${new URL(a.url).host}/acme/busybox:v2`);
      await until('the push of v2 is mirrored', (s) => s.tags.some((t) => t.tag === 'v2' && t.state === 'mirrored' && t.digest === second.digest));
      // The same in the mirror's metrics, for alerting.
      const [shown, metrics] = await Promise.all([status(), fetch(`${mirror.url}/metrics`).then((r) => r.text())]);
      assert.match(metrics, new RegExp(`^hcr_gateway_mirror_tags\\{state="mirrored"\\} ${shown.tags.filter((t) => t.state === 'mirrored').length}$`, 'm'), metrics);
      assert.match(metrics, /^hcr_gateway_mirror_tags\{state="missing"\} 0$/m);
      assert.match(metrics, /^hcr_gateway_mirror_oldest_missing_seconds 0$/m);
      assert.ok(Number(/^hcr_gateway_mirror_last_pass_block (\d+)$/m.exec(metrics)?.[1]) >= shown.lastPass!.block, metrics);
      const manifest = JSON.parse(readBlob(layout, second.digest).toString()) as { layers: { digest: string }[] };
      const { digestInfo } = await import('../../src/chain');
      const store = await EmbeddedBlobStore.open(embeddedIpfsDir(mirrorDir));
      try {
        for (const layer of manifest.layers) {
          const cid = (await digestInfo(a.chain.api, layer.digest))!.cid.text!;
          assert.equal(await store.isPinned(cid), true, `layer ${layer.digest} (${cid}) is pinned on the mirror`);
        }
      } finally {
        await store.close();
      }
      assert.doesNotMatch(mirror.output(), /GET \/v2\//, 'nobody pulled from the mirror');
    } finally {
      mirror.child.kill('SIGTERM');
    }
  });

  it('B still serves once A is gone, and exports the space as a bundle', { timeout: 180_000 }, async () => {
    // B fetches v2 too while A is there (so that it holds the whole space), then A goes.
    await skopeo('copy', '--src-tls-verify=false', `docker://${new URL(b.url).host}/acme/busybox:v2`, `dir:${join(work, 'v2-from-b')}`);
    await a.gateway.close();
    await pulledIdentical(b.url, 'from-b-without-a');
    bundle = join(work, 'acme.car');
    const exported = await hcr(['export', 'acme', '--gateway', b.url, '--out', bundle, '--json']);
    expectExit(exported, 0);
    const { asOfBlock } = JSON.parse(exported.stdout) as { asOfBlock: { number: number; hash: string } };
    assert.equal((await a.chain.api.rpc.chain.getBlockHash(asOfBlock.number)).toHex(), asOfBlock.hash);
  });

  it('C, never connected to A or B, imports the bundle and serves the same pull, then without the chain says as of which block', { timeout: 180_000 }, async () => {
    const c = join(work, 'c');
    const imported = await hcr(['import', bundle, '--data-dir', c, '--chain', a.chain.devnet.wsUrl, '--json']);
    expectExit(imported, 0);
    const summary = JSON.parse(imported.stdout) as { tags: string[]; confirmed: boolean; asOfBlock: { number: number; hash: string } };
    assert.deepEqual(summary.tags.sort(), ['acme/busybox:v1', 'acme/busybox:v2']);
    assert.equal(summary.confirmed, true);
    assert.match(imported.stderr, /every one of the \d+ blocks holds the bytes its CID names/);
    assert.match(imported.stderr, /the record matches the chain/);

    const api = await ApiPromise.create({ provider: new WsProvider(a.chain.devnet.wsUrl), noInitWarn: true });
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(c));
    const gateway: RunningGateway = await startGateway({ api, blobStore: store, dataDir: c, port: 0, auth: { enabled: false } });
    try {
      await pulledIdentical(gateway.url, 'from-c');
      await api.disconnect();
      const offline = await fetch(`${gateway.url}/v2/acme/busybox/manifests/v1`);
      assert.equal(offline.status, 200);
      assert.equal(offline.headers.get('x-hcr-as-of-block'), `${summary.asOfBlock.number} ${summary.asOfBlock.hash}`);
      assert.deepEqual(Buffer.from(await offline.arrayBuffer()), readBlob(layout, image.digest));
      await pulledIdentical(gateway.url, 'from-c-offline');
    } finally {
      await gateway.close();
      await store.close();
      await api.disconnect().catch(() => undefined);
    }
  });

  it('refuses a bundle with one flipped byte, a missing block, or a record the chain contradicts, importing none of it', { timeout: 120_000 }, async () => {
    const m = await ipfsModules();
    const { CarBlockIterator } = await import('@ipld/car');
    const original = readFileSync(bundle);
    const iterator = await CarBlockIterator.fromBytes(original);
    const [root] = await iterator.getRoots();
    const blocks: { cid: CID; bytes: Uint8Array }[] = [];
    for await (const block of iterator) blocks.push(block);
    const write = async (name: string, roots: CID[], parts: { cid: CID; bytes: Uint8Array }[]) => {
      const file = join(work, name);
      writeFileSync(file, Buffer.concat([await carHeader(roots), ...parts.flatMap((p) => carBlock(p.cid, p.bytes))]));
      return file;
    };
    const flipped = Buffer.from(original);
    flipped[flipped.length - 100] ^= 0x01;
    const flippedFile = join(work, 'flipped.car');
    writeFileSync(flippedFile, flipped);
    const leaf = blocks.findIndex((block) => block.cid.code === 0x55);
    const missingFile = await write('missing.car', [root], blocks.filter((_, i) => i !== leaf));
    // A record that says someone else owned the name at its block: every block sound, the chain disagrees.
    const record = JSON.parse(Buffer.from(blocks[0].bytes).toString()) as { spaces: { owner: string }[] };
    record.spaces[0].owner = a.keys.bob.address;
    const lying = Buffer.from(JSON.stringify(record));
    const lyingCid = m.CID.createV1(0x0200, await m.sha256.digest(lying));
    const lyingFile = await write('lying.car', [lyingCid], [{ cid: lyingCid, bytes: lying }, ...blocks.slice(1)]);
    const moved = JSON.parse(Buffer.from(blocks[0].bytes).toString()) as { chain: { block: { hash: string } } };
    moved.chain.block.hash = `0x${'ab'.repeat(32)}`;
    const movedBytes = Buffer.from(JSON.stringify(moved));
    const movedCid = m.CID.createV1(0x0200, await m.sha256.digest(movedBytes));
    const otherBlockFile = await write('other-block.car', [movedCid], [{ cid: movedCid, bytes: movedBytes }, ...blocks.slice(1)]);

    for (const [file, reason] of [
      [flippedFile, /does not hold the bytes its CID names: the bundle was altered; nothing was imported/],
      [missingFile, /cannot be put together from the bundle .*a block is missing; nothing was imported/],
      [lyingFile, new RegExp(`owned "acme" at block #\\d+, but the chain says space \\d+ \\(owner ${a.keys.alice.address}\\)`)],
      [otherBlockFile, /block #\d+ of this chain is 0x[0-9a-f]+, not 0xabab/],
    ] as const) {
      const target = mkdtempSync(join(work, 'refused-'));
      const refused = await hcr(['import', file, '--data-dir', target, '--chain', a.chain.devnet.wsUrl]);
      expectExit(refused, 2);
      assert.match(refused.stderr, reason, file);
      assert.equal(existsSync(join(target, 'gateway', 'imported')), false, `${file}: a record was kept`);
      const blocksDir = join(target, 'ipfs', 'blocks');
      const stored = existsSync(blocksDir) ? readdirSync(blocksDir).flatMap((shard) => readdirSync(join(blocksDir, shard))).filter((f) => f.endsWith('.data')) : [];
      assert.deepEqual(stored, [], `${file}: blocks were stored`);
    }
  });
});
