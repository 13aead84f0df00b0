// The blob cache's copy of a cold read from a store that keeps no file of a blob's leaves (a shared
// Kubo node): the copy is written as the download passes and is kept only once it holds every
// byte. A cache that runs out of room part-way costs the copy, never the download, and what it
// wrote is not served later: a kept file is sent without another check.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { BlobStore } from '../../src/ipfs';
import { makeImage, pushImage, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

/** `store` as a store that keeps no leaf files: the gateway then copies what it verifies. */
function withoutLeafFiles(store: BlobStore): BlobStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'leafFileOf') return undefined;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Mounts a tmpfs of `bytes` at `dir`; false where this machine does not let the tests mount. */
function mountSmall(dir: string, bytes: number): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the blob cache copy of a cold read', () => {
  let a: TestGateway;
  let image: ImageParts;
  const mounted: string[] = [];
  before(async () => {
    a = await startTestGateway();
    image = makeImage([randomBlob(6 * 1024 * 1024)]);
    await pushImage(a.url, 'acme/copied', 'v1', image);
  });
  after(async () => {
    for (const dir of mounted) execFileSync('umount', [dir], { stdio: 'ignore' });
    await a?.close();
  });

  const pull = async (url: string, digest: string, bytes: Buffer) => {
    const answer = await fetch(`${url}/v2/acme/copied/blobs/${digest}`);
    assert.equal(answer.status, 200);
    assert.ok(Buffer.from(await answer.arrayBuffer()).equals(bytes), 'the bytes served are the blob');
  };
  const kept = (dataDir: string) => readdirSync(join(dataDir, 'gateway', 'cache'));

  it('keeps a copy that took every byte, and serves it', async () => {
    const [layer] = image.layers;
    const dataDir = mkdtempSync(join(a.dataDir, 'copy-'));
    const replica = await a.startReplica({ dataDir, blobStore: withoutLeafFiles(a.store) });
    await pull(replica.url, layer.digest, layer.bytes);
    for (let waited = 0; waited < 5000 && !kept(dataDir).some((name) => name.endsWith('.blob')); waited += 50) await delay(50);
    assert.deepEqual(kept(dataDir), [`${layer.digest.replace(':', '-')}.blob`]);
    await pull(replica.url, layer.digest, layer.bytes);
    await replica.close();
  });

  it('keeps nothing of a copy the disk could not take whole, and still serves the whole blob', async (t) => {
    const [layer] = image.layers;
    const dataDir = mkdtempSync(join(a.dataDir, 'full-'));
    const cacheDir = join(dataDir, 'gateway', 'cache');
    mkdirSync(cacheDir, { recursive: true });
    // Room for part of the 6 MiB blob only.
    if (!mountSmall(cacheDir, 4 * 1024 * 1024)) return t.skip('mounting a small tmpfs needs root');
    mounted.push(cacheDir);
    const replica = await a.startReplica({ dataDir, blobStore: withoutLeafFiles(a.store) });
    await pull(replica.url, layer.digest, layer.bytes);
    await delay(500);
    assert.deepEqual(kept(dataDir), [], 'no file is kept, and the part written is removed');
    // Read from IPFS again (and verified), not from a file of the part that fitted.
    await pull(replica.url, layer.digest, layer.bytes);
    await replica.close();
  });
});
