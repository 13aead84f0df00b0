// The embedded store: the shared suite, CIDs checked against ones built independently of the
// importer, and how it is opened.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStoreUnavailableError, EmbeddedBlobStore, embeddedIpfsDir, KuboBlobStore, openBlobStore } from '../../src/ipfs';
import type { BlobStore } from '../../src/ipfs';
import { blobStoreSuite } from './blob-store-suite';
import { CHUNK } from './helpers/bytes';

function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'hcr-ipfs-'));
}

blobStoreSuite('embedded', async () => {
  const dataDir = tempDataDir();
  let store: BlobStore = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
  return {
    store,
    async reopen() {
      await store.close();
      store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
      return store;
    },
    async cleanup() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

describe('embedded store CIDs match ones computed without the importer', () => {
  async function withStore(run: (store: EmbeddedBlobStore) => Promise<void>): Promise<void> {
    const dataDir = tempDataDir();
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    try {
      await run(store);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  it('a file of at most one chunk is one raw block: CIDv1(raw, sha2-256(bytes))', async () => {
    const { CID } = await import('multiformats/cid');
    const raw = await import('multiformats/codecs/raw');
    const { sha256 } = await import('multiformats/hashes/sha2');
    await withStore(async (store) => {
      for (const bytes of [Buffer.alloc(0), Buffer.from('hello registry\n'), randomBytes(CHUNK)]) {
        const expected = CID.createV1(raw.code, await sha256.digest(bytes)).toString();
        assert.equal((await store.put([bytes])).cid, expected);
      }
      // What `ipfs add --cid-version 1` prints for an empty file.
      assert.equal((await store.put([])).cid, 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
    });
  });

  it('two chunks are a dag-pb UnixFS file node over two raw leaves, as go-unixfs builds it', async () => {
    const { CID } = await import('multiformats/cid');
    const raw = await import('multiformats/codecs/raw');
    const { sha256 } = await import('multiformats/hashes/sha2');
    const dagPb = await import('@ipld/dag-pb');
    const { UnixFS } = await import('ipfs-unixfs');
    const bytes = randomBytes(CHUNK + 1000);
    const leaves = [bytes.subarray(0, CHUNK), bytes.subarray(CHUNK)];
    const links = await Promise.all(
      leaves.map(async (leaf) => ({ Name: '', Tsize: leaf.length, Hash: CID.createV1(raw.code, await sha256.digest(leaf)) })),
    );
    const data = new UnixFS({ type: 'file', blockSizes: leaves.map((leaf) => BigInt(leaf.length)) }).marshal();
    const root = dagPb.encode(dagPb.prepare({ Data: data, Links: links }));
    const expected = CID.createV1(dagPb.code, await sha256.digest(root)).toString();
    await withStore(async (store) => assert.equal((await store.put([bytes])).cid, expected));
  });
});

describe('opening IPFS', () => {
  it('openBlobStore is embedded without IPFS_API and Kubo with it', async () => {
    const dataDir = tempDataDir();
    const saved = process.env.IPFS_API;
    try {
      delete process.env.IPFS_API;
      const embedded = await openBlobStore({ dataDir });
      assert.ok(embedded instanceof EmbeddedBlobStore);
      assert.equal(embedded.location, join(dataDir, 'ipfs'));
      await embedded.close();
      process.env.IPFS_API = 'http://127.0.0.1:1';
      const kubo = await openBlobStore({ dataDir });
      assert.ok(kubo instanceof KuboBlobStore);
      assert.equal(kubo.location, 'http://127.0.0.1:1');
      const explicit = await openBlobStore({ dataDir, ipfsApi: 'http://127.0.0.1:2' });
      assert.equal(explicit.location, 'http://127.0.0.1:2');
    } finally {
      if (saved === undefined) delete process.env.IPFS_API;
      else process.env.IPFS_API = saved;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a closed store refuses calls with BlobStoreUnavailableError that says how to fix it', async () => {
    const dataDir = tempDataDir();
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    const { cid } = await store.put([Buffer.from('x')]);
    await store.close();
    try {
      await assert.rejects(store.get(cid), (e: Error) => e instanceof BlobStoreUnavailableError && /closed; open it again/.test(e.message));
      await assert.rejects(store.put([Buffer.from('y')]), BlobStoreUnavailableError);
      await assert.rejects(store.ping(), BlobStoreUnavailableError);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a missing block of a stored file fails has, pin and the stream, not the process', async () => {
    const dataDir = tempDataDir();
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    try {
      const { cid } = await store.put([randomBytes(3 * CHUNK)], { pin: false });
      const { node } = await store.resolve(cid);
      assert.equal(node.kind, 'file');
      if (node.kind !== 'file') return;
      const { FsBlockstore } = await import('blockstore-fs');
      await new FsBlockstore(join(embeddedIpfsDir(dataDir), 'blocks')).delete(node.links[1].cid);
      assert.equal(await store.has(cid), false);
      await assert.rejects(store.pin(cid), /incomplete/);
      const stream = await store.get(cid);
      await assert.rejects(async () => {
        for await (const _chunk of stream);
      }, /block .* is missing/);
      assert.equal((await store.stat(cid)).size, 3 * CHUNK);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
