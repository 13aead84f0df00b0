// GET /bundles asked by someone hostile. On a replica whose store lacks a layer, after a
// stranger pointed the layer's digest at a far bigger file (the pallet's digest records are
// anyone's to write), the export must not fetch that file from its peers and hash it whole
// before the digest refuses it, which any caller allowed to pull could make it do again and
// again: only a CID of the size the manifest gives the layer is read. A query string naming
// hundreds of selections (each read from the chain and the index before a byte is sent) is
// refused, and selections that overlap give each tag once, so that the bundle imports. Real dev
// chain, real gateways over sockets, the `hcr` CLI.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../../src/gateway';
import { parseName } from '../../src/gateway/oci/reference';
import { ChainReader } from '../../src/gateway/resolve/chain-reader';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { collect, expectExit, spawnHcr } from '../cli/helpers/run-hcr';
import { makeImage, ociErrors, pushImage, randomBlob } from './helpers/oci-client';
import { createBobsSpace, repointDigest } from './helpers/repoint';

describe('GET /bundles asked by someone hostile', () => {
  let a: TestGateway;
  let work: string;

  before(async () => {
    a = await startTestGateway();
    await createBobsSpace(a);
    work = mkdtempSync(join(tmpdir(), 'hcr-bundle-export-sizes-'));
  });
  after(async () => {
    await a?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Waits until the finalized head has `repository:tag` at `digest`: exports read tags there. */
  async function finalized(repository: string, tag: string, digest: string): Promise<void> {
    const chain = new ChainReader(a.chain.api);
    for (let deadline = Date.now() + 60_000; (await chain.tagAtBlock(parseName(repository), tag, (await chain.finalizedBlock()).hash)).digest !== digest; ) {
      assert.ok(Date.now() < deadline, `${repository}:${tag} was not finalized within a minute`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  it('reads only the root of a file of another size than the manifest gives the layer, and says why it cannot export', { timeout: 120_000 }, async () => {
    const image = makeImage([randomBlob(2048)]);
    assert.equal((await pushImage(a.url, 'acme/bloated', 'v1', image)).status, 201);
    // 6 MiB where the manifest says 2 KiB: with a digest anyone can repoint, this could be 6 TB.
    const huge = await repointDigest(a, image.layers[0].digest, randomBlob(6 * 1024 * 1024).bytes);
    await finalized('acme/bloated', 'v1', image.manifest.digest);

    const dataDir = mkdtempSync(join(work, 'replica-'));
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    const replica = await startGateway({ api: a.chain.api, blobStore: store, dataDir, port: 0, peers: [a.url], auth: { enabled: false }, log: () => undefined });
    try {
      const response = await fetch(`${replica.url}/bundles?ref=acme/bloated:v1`);
      assert.equal(response.status, 404, await response.clone().text());
      const [error] = await ociErrors(response);
      assert.equal(await store.has(huge), false, 'the stranger\'s file was fetched whole: only its root block should be read, for its size');
      assert.equal(await store.isPinned(huge), false, 'the stranger\'s file is pinned here');
      assert.equal(error.code, 'BLOB_UNKNOWN');
      assert.match(error.message, /where the manifest says 2048/);
    } finally {
      await replica.close();
      await store.close();
    }
  });

  it('refuses an export of more than 100 selections before reading any, and gives a tag two selections name once', { timeout: 120_000 }, async () => {
    const image = makeImage([randomBlob(1024)]);
    assert.equal((await pushImage(a.url, 'acme/web', 'v1', image)).status, 201);
    await finalized('acme/web', 'v1', image.manifest.digest);

    const many = new URLSearchParams(Array.from({ length: 101 }, (_, i): [string, string] => ['ref', `acme/web:t${i}`]));
    const refused = await fetch(`${a.url}/bundles?${many}`);
    assert.equal(refused.status, 400, await refused.clone().text());
    const [error] = await ociErrors(refused);
    assert.equal(error.code, 'NAME_INVALID');
    assert.match(error.message, /101 selections in one export, more than 100: export whole images or spaces/);

    // The image and one of its tags: the tag is in the bundle once, and the import takes it.
    const file = join(work, 'overlapping.car');
    const exported = await collect(spawnHcr(['export', 'acme/web', 'acme/web:v1', 'acme/web:v1', '--gateway', a.url, '--out', file], { ...process.env }), 'export');
    expectExit(exported, 0);
    const target = mkdtempSync(join(work, 'overlapping-'));
    const imported = await collect(spawnHcr(['import', file, '--data-dir', target, '--chain', a.chain.devnet.wsUrl, '--json'], { ...process.env }), 'import');
    expectExit(imported, 0);
    assert.deepEqual((JSON.parse(imported.stdout) as { tags: string[] }).tags, ['acme/web:v1']);
  });

  it('admits exports as listings, by client (gateway.limits.listings): one client cannot have records built without end', { timeout: 120_000 }, async () => {
    const image = makeImage([randomBlob(512)]);
    assert.equal((await pushImage(a.url, 'acme/listed', 'v1', image)).status, 201);
    await finalized('acme/listed', 'v1', image.manifest.digest);
    const dataDir = mkdtempSync(join(work, 'bounded-'));
    const gateway = await startGateway({ api: a.chain.api, blobStore: a.store, dataDir, port: 0, auth: { enabled: false }, limits: { listings: { perIp: { perMinute: 1, burst: 2 } } }, log: () => undefined });
    try {
      for (let i = 0; i < 2; i++) {
        const exported = await fetch(`${gateway.url}/bundles?ref=acme/listed:v1`);
        assert.equal(exported.status, 200, await exported.clone().text());
        await exported.arrayBuffer();
      }
      const refused = await fetch(`${gateway.url}/bundles?ref=acme/listed:v1`);
      assert.equal(refused.status, 429, await refused.clone().text());
      assert.ok(Number(refused.headers.get('retry-after')) > 0, 'a refusal says when to try again');
      const [error] = await ociErrors(refused);
      assert.equal(error.code, 'TOOMANYREQUESTS');
      assert.match(error.message, /an export lists images and tags: .*gateway\.limits\.listings\.perIp/);
    } finally {
      await gateway.close();
    }
  });
});
