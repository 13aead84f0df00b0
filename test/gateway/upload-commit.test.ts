// An upload's commit against a chunk sent at the same moment: the chunk either comes first (and
// the commit sees other bytes) or is refused as an upload that no longer exists. It never joins
// the verified blob, whose kept copy is served exactly after a restart. A commit that fails
// because IPFS is down can be sent again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway } from '../../src/gateway';
import { BlobStoreUnavailableError } from '../../src/ipfs';
import type { EmbeddedBlobStore } from '../../src/ipfs';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { digestOf, ociErrors } from './helpers/oci-client';

describe('an upload\'s commit', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  test('refuses a chunk sent as the upload is committed; the blob stays exactly its bytes, after a restart too', { timeout: 120_000 }, async () => {
    const committed: { digest: string; bytes: Buffer }[] = [];
    for (let round = 0; round < 12; round++) {
      const bytes = randomBytes(600_000);
      const digest = digestOf(bytes);
      const location = (await fetch(`${t.url}/v2/acme/racing/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
      assert.equal((await fetch(`${t.url}${location}`, { method: 'PATCH', body: bytes })).status, 202);
      const [put, patch] = await Promise.all([
        fetch(`${t.url}${location}?digest=${digest}`, { method: 'PUT' }),
        fetch(`${t.url}${location}`, { method: 'PATCH', body: Buffer.from('JUNK'.repeat(250)) }),
      ]);
      if (put.status === 201) {
        // The chunk came after the commit: the upload is gone for it.
        assert.equal(patch.status, 404, `round ${round}: a chunk after the commit was taken`);
        assert.equal((await ociErrors(patch))[0]?.code, 'BLOB_UPLOAD_UNKNOWN');
        committed.push({ digest, bytes });
      } else {
        // The chunk came first: the commit saw other bytes and discarded the upload.
        assert.equal(patch.status, 202, `round ${round}: PUT ${put.status}, PATCH ${patch.status}`);
        assert.equal((await ociErrors(put))[0]?.code, 'DIGEST_INVALID');
      }
    }
    assert.ok(committed.length > 0, 'some commit won its race');
    await t.gateway.close();
    // The kept copies are read from the data dir again, their sizes from disk.
    const again = await startGateway({ api: t.chain.api, blobStore: t.store, dataDir: t.dataDir, gatewaySigner: t.keys.gateway, port: 0, log: () => undefined, auth: { enabled: false } });
    try {
      for (const { digest, bytes } of committed) {
        const head = await fetch(`${again.url}/v2/acme/racing/blobs/${digest}`, { method: 'HEAD' });
        assert.equal(head.headers.get('content-length'), String(bytes.byteLength));
        const got = Buffer.from(await (await fetch(`${again.url}/v2/acme/racing/blobs/${digest}`)).arrayBuffer());
        assert.equal(digestOf(got), digest);
      }
    } finally {
      await again.close();
    }
  });

  test('takes the same PUT again after a commit that failed while IPFS was down', { timeout: 60_000 }, async () => {
    // The test store, with every way of adding bytes failing while `down`.
    let down = false;
    const writes = new Set<string | symbol>(['put', 'putBlocks', 'importLeavesElsewhere', 'adoptFile']);
    const store = new Proxy(t.store, {
      get(target, property) {
        if (down && writes.has(property)) return () => Promise.reject(new BlobStoreUnavailableError('IPFS is down (test)'));
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as EmbeddedBlobStore;
    const gateway = await startGateway({ api: t.chain.api, blobStore: store, dataDir: mkdtempSync(join(t.dataDir, 'flaky-')), gatewaySigner: t.keys.gateway, port: 0, log: () => undefined, auth: { enabled: false } });
    try {
      const bytes = randomBytes(300_000);
      const digest = digestOf(bytes);
      const location = (await fetch(`${gateway.url}/v2/acme/flaky/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
      down = true;
      assert.equal((await fetch(`${gateway.url}${location}`, { method: 'PATCH', body: bytes })).status, 202);
      const failed = await fetch(`${gateway.url}${location}?digest=${digest}`, { method: 'PUT' });
      assert.equal(failed.status, 503);
      assert.equal((await ociErrors(failed))[0]?.code, 'UNAVAILABLE');
      down = false;
      const retried = await fetch(`${gateway.url}${location}?digest=${digest}`, { method: 'PUT' });
      if (retried.status !== 201) assert.fail(`the PUT sent again: HTTP ${retried.status} ${JSON.stringify(await ociErrors(retried))}`);
      const got = Buffer.from(await (await fetch(`${gateway.url}/v2/acme/flaky/blobs/${digest}`)).arrayBuffer());
      assert.ok(got.equals(bytes));
    } finally {
      await gateway.close();
    }
  });
});
