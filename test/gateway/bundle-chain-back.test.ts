// An --offline bundle's word once the chain is back. While the chain cannot be reached, a gateway
// serves what an --offline bundle's tags reach (its records agree on the name's owner); once the
// chain is reachable again, the chain decides: a manifest or blob that only the bundle's tags put
// in a repository is served there no more, by tag or by digest, even when the gateway served it
// (and so remembered it as the repository's) while the chain was down. Real dev chain, the
// gateway in process, one chain connection dropped and made again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { importBundle } from '../../src/gateway/bundles/import-bundle';
import { ChainReader } from '../../src/gateway/resolve/chain-reader';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { type RunningGateway, startGateway } from '../../src/gateway';
import { rawBlock, writeBundle } from './helpers/bundle-files';
import { blobOf, makeImage } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('an --offline bundle once the chain is back', () => {
  let t: TestGateway;
  let work: string;

  before(async () => {
    t = await startTestGateway();
    work = mkdtempSync(join(tmpdir(), 'hcr-bundle-chain-back-'));
  });
  after(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('does not keep serving, by digest, what the bundle\'s tag of acme/web reached while the chain was down', { timeout: 180_000 }, async () => {
    const chain = new ChainReader(t.chain.api);
    const acme = (await chain.claim('acme'))!.owner;
    // A file from someone else: it names acme's real owner, so its tag of acme/web counts while
    // the chain cannot be asked; the chain has no acme/web:evil.
    const image = makeImage([blobOf('bytes acme never recorded\n')]);
    const parts = [image.manifest, image.config, image.layers[0]];
    const blocks = await Promise.all(parts.map((part) => rawBlock(part.bytes)));
    const content = parts.map((part, i) => ({ digest: part.digest, cid: blocks[i].cid.toString(), kind: i === 0 ? 'manifest' : 'blob', size: part.size, repositories: ['acme/web'], recordedBy: null }));
    const record = {
      format: 'hcr-bundle/1',
      chain: { genesisHash: chain.genesisHash, block: { number: 1_000_000, hash: `0x${'cd'.repeat(32)}` } },
      exportedAt: new Date().toISOString(),
      spaces: [{ name: 'acme', id: acme.id, owner: acme.owner }],
      tags: [{ repository: 'acme/web', tag: 'evil', digest: image.manifest.digest, recordedBy: null }],
      content,
    };
    const file = join(work, 'evil.car');
    await writeBundle(file, record, blocks);
    const target = mkdtempSync(join(work, 'target-'));
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(target));
    const api = await ApiPromise.create({ provider: new WsProvider(t.chain.devnet.wsUrl), noInitWarn: true });
    let gateway: RunningGateway | undefined;
    try {
      const imported = await importBundle(file, { store, dataDir: target });
      assert.equal(imported.confirmed, false);
      gateway = await startGateway({ api, blobStore: store, dataDir: target, port: 0, auth: { enabled: false }, log: () => undefined });
      const accept = { Accept: 'application/vnd.oci.image.manifest.v1+json' };

      // The chain is down: the imported record answers (as the README says it does).
      const disconnected = new Promise((resolve) => api.once('disconnected', resolve));
      await api.disconnect();
      await disconnected;
      const offline = await fetch(`${gateway.url}/v2/acme/web/manifests/evil`, { headers: accept });
      assert.equal(offline.status, 200, await offline.clone().text());
      assert.equal(offline.headers.get('docker-content-digest'), image.manifest.digest);
      await offline.arrayBuffer();
      const offlineLayer = await fetch(`${gateway.url}/v2/acme/web/blobs/${image.layers[0].digest}`);
      assert.equal(offlineLayer.status, 200, 'the imported layer is served while the chain is down');
      await offlineLayer.arrayBuffer();

      // The chain is back: it decides, and it never put any of this in acme/web.
      const connected = new Promise((resolve) => api.once('connected', resolve));
      await api.connect();
      await connected;
      await api.isReady;
      const byTag = await fetch(`${gateway.url}/v2/acme/web/manifests/evil`, { headers: accept });
      assert.equal(byTag.status, 404, `acme/web:evil is served once the chain is back: ${await byTag.clone().text()}`);
      await byTag.arrayBuffer();
      const byDigest = await fetch(`${gateway.url}/v2/acme/web/manifests/${image.manifest.digest}`, { headers: accept });
      assert.equal(byDigest.status, 404, 'acme/web serves the bundle\'s manifest by digest once the chain is back');
      await byDigest.arrayBuffer();
      for (const blob of [image.config, image.layers[0]]) {
        const answer = await fetch(`${gateway.url}/v2/acme/web/blobs/${blob.digest}`);
        assert.equal(answer.status, 404, `acme/web serves the bundle's blob ${blob.digest} once the chain is back`);
        await answer.arrayBuffer();
      }
    } finally {
      await gateway?.close();
      await api.disconnect().catch(() => undefined);
      await store.close();
    }
  });
});
