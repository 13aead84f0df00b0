// The IPFS node dies part-way through the `cat` of a layer, on a gateway with no copy of it yet.
// The client must get an answer it cannot take for whole (its Content-Length is not reached), and
// nothing of the cut read may be cached or count as verified: once the node is back, the next
// pull is the whole layer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { get as httpGet, request as httpRequest } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningGateway } from '../../src/gateway';
import { KuboBlobStore, type KuboApiServer, startKuboApiServer } from '../../src/ipfs';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { makeImage, pushImage, randomBlob } from './helpers/oci-client';
import { type KuboProxy, kuboProxy } from '../ipfs/helpers/kubo-proxy';

const LAYER_SIZE = 2 * 1024 * 1024;
const CUT_AFTER = 300 * 1024;

/**
 * Forwards every call; while `cutting()`, a `cat` answer stops after CUT_AFTER bytes: its
 * connection cut, or (`endsClean()`) its chunked answer ended as if it were all.
 */
function dyingProxy(target: string, cutting: () => boolean, endsClean: () => boolean): Promise<KuboProxy> {
  const upstream = new URL(target);
  return kuboProxy(target, (req, res) => {
    if (!cutting() || !req.url?.startsWith('/api/v0/cat')) return false;
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      let sent = 0;
      reply.on('data', (chunk: Buffer) => {
        if (sent >= CUT_AFTER) return;
        res.write(chunk);
        sent += chunk.length;
        // The node dies: its socket closes without the answer's end.
        if (sent < CUT_AFTER) return;
        if (endsClean()) {
          reply.destroy();
          res.end();
        } else {
          setTimeout(() => { res.socket?.destroy(); reply.destroy(); }, 20);
        }
      });
      // Answers shorter than the cut (the manifest read on the way) go through whole.
      reply.on('end', () => res.end());
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
    return true;
  });
}

interface Pull { status: number; announced: number; received: Buffer; whole: boolean }

/** What a client gets: the announced length, the bytes, and whether the answer ended cleanly. */
function pull(url: string): Promise<Pull> {
  return new Promise((resolve, reject) => {
    httpGet(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      const done = (whole: boolean) => resolve({ status: res.statusCode ?? 0, announced: Number(res.headers['content-length']), received: Buffer.concat(chunks), whole });
      res.on('end', () => done(res.complete));
      res.on('error', () => done(false));
      res.on('aborted', () => done(false));
    }).on('error', reject);
  });
}

/** A cut answer is one no client takes for whole: short of its Content-Length, not ended cleanly. */
function assertCut(result: Pull, full: Buffer): void {
  assert.equal(result.status, 200);
  assert.equal(result.announced, full.length, 'the answer announced its length');
  assert.ok(result.received.length < full.length, `all ${result.received.length} bytes arrived`);
  assert.equal(result.whole, false, 'a cut answer ended as if whole');
  assert.deepEqual(result.received, full.subarray(0, result.received.length), 'the bytes that arrived are the layer\'s');
}

describe('Kubo dying part-way through a pull', () => {
  let t: TestGateway;
  let kuboApi: KuboApiServer;
  let proxy: KuboProxy;
  let kubo: KuboBlobStore;
  let cutting = false;
  let endsClean = false;
  const image = makeImage([randomBlob(LAYER_SIZE)]);
  const layer = image.layers[0];

  before(async () => {
    t = await startTestGateway();
    await pushImage(t.url, 'acme/web', 'v1', image);
    kuboApi = await startKuboApiServer({ store: t.store, port: 0 });
    proxy = await dyingProxy(kuboApi.url, () => cutting, () => endsClean);
    kubo = await KuboBlobStore.open({ url: proxy.url, lookupTimeoutMs: 5_000 });
  });
  after(async () => {
    await kubo?.close();
    await proxy?.close();
    await kuboApi?.close();
    await t?.close();
  });

  it('a cold pull is cut short, nothing is cached, and the next pull is whole', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(t.dataDir, 'cold-'));
    const replica: RunningGateway = await t.startReplica({ blobStore: kubo, dataDir });
    const url = `${replica.url}/v2/acme/web/blobs/${layer.digest}`;
    cutting = true;
    try {
      assertCut(await pull(url), layer.bytes);
    } finally {
      cutting = false;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(readdirSync(join(dataDir, 'gateway', 'cache')), [], 'the cut read left something in the blob cache');
    const pairs = join(dataDir, 'gateway', 'verified-pairs.log');
    assert.ok(!existsSync(pairs) || !readFileSync(pairs, 'utf8').includes(layer.digest.slice('sha256:'.length)), 'the cut read was recorded as a verified or mismatched pair');
    const again = await pull(url);
    assert.equal(again.whole, true);
    assert.deepEqual(again.received, layer.bytes);
    // The whole read is recorded: the check above looked in the right place.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(readFileSync(pairs, 'utf8').includes(layer.digest.slice('sha256:'.length)));
    assert.equal(readdirSync(join(dataDir, 'gateway', 'cache')).length, 1);
  });

  it('a pull of a layer verified before, with no cache, is cut short too, and the next is whole', { timeout: 60_000 }, async () => {
    const replica: RunningGateway = await t.startReplica({ blobStore: kubo, blobCacheBytes: 0 });
    const url = `${replica.url}/v2/acme/web/blobs/${layer.digest}`;
    assert.deepEqual((await pull(url)).received, layer.bytes, 'the first pull verifies the layer');
    cutting = true;
    try {
      assertCut(await pull(url), layer.bytes);
    } finally {
      cutting = false;
    }
    const again = await pull(url);
    assert.equal(again.whole, true);
    assert.deepEqual(again.received, layer.bytes);
  });

  it('a cat answer ended cleanly but short is no whole layer either, verified before or not', { timeout: 60_000 }, async () => {
    for (const blobCacheBytes of [undefined, 0]) {
      const replica: RunningGateway = await t.startReplica({ blobStore: kubo, ...(blobCacheBytes === undefined ? {} : { blobCacheBytes }) });
      const url = `${replica.url}/v2/acme/web/blobs/${layer.digest}`;
      if (blobCacheBytes === 0) assert.deepEqual((await pull(url)).received, layer.bytes, 'the first pull verifies the layer');
      cutting = true;
      endsClean = true;
      try {
        assertCut(await pull(url), layer.bytes);
      } finally {
        cutting = false;
        endsClean = false;
      }
      assert.deepEqual((await pull(url)).received, layer.bytes);
    }
  });
});
