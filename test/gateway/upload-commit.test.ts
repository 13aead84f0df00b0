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

      // The same with the bytes in the PUT itself (as containerd sends a blob), after a chunk:
      // the repeat sends the body again, which goes where the failed PUT's went, not after them.
      const more = randomBytes(300_000);
      const whole = Buffer.concat([bytes, more]);
      const second = (await fetch(`${gateway.url}/v2/acme/flaky/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
      assert.equal((await fetch(`${gateway.url}${second}`, { method: 'PATCH', body: bytes })).status, 202);
      down = true;
      assert.equal((await fetch(`${gateway.url}${second}?digest=${digestOf(whole)}`, { method: 'PUT', body: more })).status, 503);
      const status = await fetch(`${gateway.url}${second}`);
      assert.equal(status.headers.get('range'), `0-${bytes.length - 1}`, 'the failed PUT\'s body is still counted');
      down = false;
      const again = await fetch(`${gateway.url}${second}?digest=${digestOf(whole)}`, { method: 'PUT', body: more });
      if (again.status !== 201) assert.fail(`the PUT with its body sent again: HTTP ${again.status} ${JSON.stringify(await ociErrors(again))}`);
      assert.ok(Buffer.from(await (await fetch(`${gateway.url}/v2/acme/flaky/blobs/${digestOf(whole)}`)).arrayBuffer()).equals(whole));
    } finally {
      await gateway.close();
    }
  });

  test('refuses a completing PUT that names no digest, or no valid one, before taking its body: the right PUT after it completes the upload', async () => {
    // A gateway of its own: the first case closed the shared one to start it again.
    const gateway = await startGateway({ api: t.chain.api, blobStore: t.store, dataDir: mkdtempSync(join(t.dataDir, 'unnamed-')), gatewaySigner: t.keys.gateway, port: 0, log: () => undefined, auth: { enabled: false } });
    try {
      // Within what the gateway reads off a refused request's body to keep its connection (a larger
      // one is refused with the connection closed, as any request refused before its body).
      const bytes = randomBytes(50_000);
      const location = (await fetch(`${gateway.url}/v2/acme/unnamed/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
      for (const query of ['', `?digest=${digestOf(bytes).toUpperCase()}`, `?digest=sha512:${'ab'.repeat(64)}`]) {
        const refused = await fetch(`${gateway.url}${location}${query}`, { method: 'PUT', body: bytes });
        assert.equal(refused.status, 400, query);
        assert.equal((await ociErrors(refused))[0]?.code, 'DIGEST_INVALID', query);
      }
      const status = await fetch(`${gateway.url}${location}`);
      assert.equal(status.status, 204);
      // 0-0 is what an upload without bytes says (as docker's distribution does); one byte more would say 0-1.
      assert.equal(status.headers.get('range'), '0-0', 'a refused PUT\'s body was appended');
      const done = await fetch(`${gateway.url}${location}?digest=${digestOf(bytes)}`, { method: 'PUT', body: bytes });
      if (done.status !== 201) assert.fail(`HTTP ${done.status} ${JSON.stringify(await ociErrors(done))}`);
    } finally {
      await gateway.close();
    }
  });
});
