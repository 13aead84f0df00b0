// The gateway's blob cache and its size (--blob-cache, gateway.blobCache): verified blobs are kept
// as plain files up to the size given, a blob larger than it is not kept, 0 keeps none, and a
// limit lowered since files were kept applies as the gateway starts; files an older gateway kept
// under its own names are not served.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { makeImage, pushImage, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { cacheFileName } from '../../src/gateway/storage/blob-cache';

describe('the blob cache', () => {
  let a: TestGateway;
  let image: ImageParts;
  before(async () => {
    a = await startTestGateway();
    // Both larger than one 256 KiB leaf: the embedded store keeps each as a file of leaves, which the
    // cache links to (a blob of one block stays that block).
    image = makeImage([randomBlob(2 * 1024 * 1024), randomBlob(600 * 1024)]);
    await pushImage(a.url, 'acme/cached', 'v1', image);
  });
  after(async () => {
    await a?.close();
  });

  const cached = (dataDir: string) => {
    const dir = join(dataDir, 'gateway', 'cache');
    return existsSync(dir) ? readdirSync(dir).filter((name) => !name.endsWith('.tmp')).map((name) => name.replace('-', ':').replace(/\.blob$/, '')).sort() : [];
  };
  const pull = async (url: string, digest: string, bytes: Buffer) => {
    const answer = await fetch(`${url}/v2/acme/cached/blobs/${digest}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(Buffer.from(await answer.arrayBuffer()), bytes);
  };
  /** Waits for the cache to hold exactly `expected` (it is filled, and trimmed, after the answer). */
  const settles = async (dataDir: string, expected: string[]) => {
    for (let waited = 0; waited < 5000 && JSON.stringify(cached(dataDir)) !== JSON.stringify(expected); waited += 50) await delay(50);
    assert.deepEqual(cached(dataDir), expected);
  };

  it('keeps the verified blobs a replica serves, and only those that fit its size', async () => {
    const [big, small] = image.layers;
    const roomy = mkdtempSync(join(a.dataDir, 'roomy-'));
    const replica = await a.startReplica({ dataDir: roomy });
    await pull(replica.url, big.digest, big.bytes);
    await pull(replica.url, small.digest, small.bytes);
    await settles(roomy, [big.digest, small.digest].sort());
    await replica.close();

    const tight = mkdtempSync(join(a.dataDir, 'tight-'));
    const tightReplica = await a.startReplica({ dataDir: tight, blobCacheBytes: 1024 * 1024 });
    await pull(tightReplica.url, big.digest, big.bytes);
    await pull(tightReplica.url, small.digest, small.bytes);
    await settles(tight, [small.digest]);
    await tightReplica.close();
  });

  it('keeps none with 0, and drops what an earlier run kept when it starts with a lower limit', async () => {
    const [big, small] = image.layers;
    const dataDir = mkdtempSync(join(a.dataDir, 'lowered-'));
    const first = await a.startReplica({ dataDir });
    await pull(first.url, big.digest, big.bytes);
    await pull(first.url, small.digest, small.bytes);
    await settles(dataDir, [big.digest, small.digest].sort());
    await first.close();

    // The same data dir, now with room for the small blob only: the big one goes, oldest first.
    const lowered = await a.startReplica({ dataDir, blobCacheBytes: 1024 * 1024 });
    await settles(dataDir, [small.digest]);
    await lowered.close();

    const none = await a.startReplica({ dataDir, blobCacheBytes: 0 });
    await settles(dataDir, []);
    await pull(none.url, big.digest, big.bytes);
    const fresh = mkdtempSync(join(a.dataDir, 'none-'));
    const off = await a.startReplica({ dataDir: fresh, blobCacheBytes: 0 });
    await pull(off.url, big.digest, big.bytes);
    await delay(300);
    assert.deepEqual(cached(fresh), [], 'a gateway with no cache keeps no copy of what it verified');
    await none.close();
    await off.close();
  });

  it('deletes the files an older gateway kept instead of serving them, and reads the blob from IPFS again', async () => {
    const [big] = image.layers;
    const dataDir = mkdtempSync(join(a.dataDir, 'older-'));
    const first = await a.startReplica({ dataDir });
    await pull(first.url, big.digest, big.bytes);
    await settles(dataDir, [big.digest]);
    await first.close();

    // Gateways before the cache's current names kept `sha256-<hex>`, and a chunk racing an upload's
    // commit could leave bytes appended to such a file: one of those, with other bytes.
    const dir = join(dataDir, 'gateway', 'cache');
    const olderName = join(dir, big.digest.replace(':', '-'));
    // A new file, not a write through the kept one: that is a hard link to the IPFS store's leaves.
    rmSync(join(dir, cacheFileName(big.digest)));
    writeFileSync(olderName, Buffer.concat([big.bytes, Buffer.from('appended by a racing chunk')]));

    const upgraded = await a.startReplica({ dataDir });
    assert.equal(existsSync(olderName), false, 'the older file is deleted as the gateway starts');
    await pull(upgraded.url, big.digest, big.bytes);
    await upgraded.close();
  });
});
