// What an export holds in memory while a client reads it. It writes each block once by
// remembering the blocks written, but a set of every block of a large space (four million for a
// terabyte) would hold hundreds of megabytes per export, for as long as the client takes, and
// anyone allowed to pull may start several. Past a bound, a block met again is written again,
// and the bundle still imports. A real embedded store; the bound is lowered to show it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_FORMAT, type BundleRecord } from '../../src/gateway/bundles/bundle-record';
import { bundleCar, MAX_REMEMBERED_BLOCKS } from '../../src/gateway/bundles/export-bundle';
import { importBundle } from '../../src/gateway/bundles/import-bundle';
import { carSections } from '../../src/gateway/peers/car-stream';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { ipfsModules } from '../../src/ipfs/esm';
import { blobOf, makeImage } from './helpers/oci-client';

describe('an export of many blocks', () => {
  let work: string;
  let store: EmbeddedBlobStore;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'hcr-bundle-export-memory-'));
    store = await EmbeddedBlobStore.open(embeddedIpfsDir(join(work, 'source')));
  });
  after(async () => {
    await store?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('remembers a bounded number of blocks, writing one met again past the bound, and the bundle imports', { timeout: 60_000 }, async () => {
    assert.ok(MAX_REMEMBERED_BLOCKS <= 1_000_000, 'the bound keeps an export\'s set of blocks to tens of megabytes');
    // Two layers that share their first 256 KiB leaf.
    const shared = Buffer.alloc(256 * 1024, 1);
    const image = makeImage([blobOf(Buffer.concat([shared, Buffer.alloc(1000, 2)])), blobOf(Buffer.concat([shared, Buffer.alloc(1000, 3)]))]);
    const parts = [image.manifest, image.config, ...image.layers];
    const cids = await Promise.all(parts.map(async (part) => (await store.put([part.bytes])).cid));
    const record: BundleRecord = {
      format: BUNDLE_FORMAT,
      chain: { genesisHash: `0x${'00'.repeat(32)}`, block: { number: 1, hash: `0x${'01'.repeat(32)}` } },
      exportedAt: new Date().toISOString(),
      spaces: [],
      tags: [{ repository: 'acme/web', tag: 'v1', digest: image.manifest.digest, recordedBy: null }],
      content: parts.map((part, i) => ({ digest: part.digest, cid: cids[i], kind: i === 0 ? 'manifest' : 'blob', size: part.size, repositories: ['acme/web'], recordedBy: null })),
    };
    const m = await ipfsModules();
    const written = async (remembered?: number) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of bundleCar({ store } as never, record, remembered)) chunks.push(chunk);
      const counts = new Map<string, number>();
      for await (const section of carSections(m, (async function* () { yield* chunks; })())) counts.set(section.cid.toString(), (counts.get(section.cid.toString()) ?? 0) + 1);
      return { bytes: Buffer.concat(chunks), counts };
    };
    const sharedCid = m.CID.createV1(m.raw.code, await m.sha256.digest(shared)).toString();

    const whole = await written();
    assert.equal(whole.counts.get(sharedCid), 1, 'under the bound, the shared leaf is written once');
    const bounded = await written(2);
    assert.equal(bounded.counts.get(sharedCid), 2, 'past the bound, the shared leaf is written again, not remembered');

    const file = join(work, 'bounded.car');
    writeFileSync(file, bounded.bytes);
    const target = mkdtempSync(join(work, 'target-'));
    const into = await EmbeddedBlobStore.open(embeddedIpfsDir(target));
    try {
      const result = await importBundle(file, { store: into, dataDir: target });
      assert.deepEqual(result.record.tags.map((t) => `${t.repository}:${t.tag}`), ['acme/web:v1']);
    } finally {
      await into.close();
    }
  });
});
