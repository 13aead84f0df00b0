// A gateway whose IPFS_API reaches a proxy that answers in Kubo's place (a login or maintenance
// page sent with 200). A pull must get a retryable 503 that names IPFS, not a 500 "internal
// error", and the trustless gateway must never serve the page as a block: it marks its answers
// immutable for a year, so a cache in front would keep the wrong bytes. The node behind the proxy
// is the embedded store's Kubo API over the test gateway's store.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { digestInfo } from '../../src/chain';
import type { RunningGateway } from '../../src/gateway';
import { KuboBlobStore, type KuboApiServer, startKuboApiServer } from '../../src/ipfs';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { makeImage, ociErrors, pushImage, randomBlob } from './helpers/oci-client';
import { type KuboProxy, kuboProxy } from '../ipfs/helpers/kubo-proxy';

const PAGE = '<!DOCTYPE html><html><body><h1>Maintenance: back soon</h1></body></html>';

/** Forwards to `target` until `answerPage()` says to answer every call with PAGE and 200. */
function pageProxy(target: string, answerPage: () => boolean): Promise<KuboProxy> {
  return kuboProxy(target, (req, res) => {
    if (!answerPage()) return false;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE));
    return true;
  });
}

describe('a gateway whose IPFS API answers with a proxy\'s page', () => {
  let t: TestGateway;
  let kuboApi: KuboApiServer;
  let proxy: KuboProxy;
  let kubo: KuboBlobStore;
  let replica: RunningGateway;
  let page = false;
  const image = makeImage([randomBlob(3000)]);
  let layerCid: string;

  before(async () => {
    t = await startTestGateway();
    await pushImage(t.url, 'acme/web', 'v1', image);
    const recorded = (await digestInfo(t.chain.api, image.layers[0].digest))?.cid.text;
    assert.ok(recorded, 'the push recorded the layer');
    layerCid = recorded;
    kuboApi = await startKuboApiServer({ store: t.store, port: 0 });
    const started = await pageProxy(kuboApi.url, () => page);
    proxy = started;
    kubo = await KuboBlobStore.open({ url: started.url, lookupTimeoutMs: 5_000 });
    // A replica has nothing cached: every read goes to its IPFS API.
    replica = await t.startReplica({ blobStore: kubo });
  });
  after(async () => {
    await replica?.close();
    await kubo?.close();
    await proxy?.close();
    await kuboApi?.close();
    await t?.close();
  });

  it('a layer pull is a 503 with Retry-After naming IPFS_API, and pulls again once the node answers', { timeout: 60_000 }, async () => {
    page = true;
    try {
      const layer = await fetch(`${replica.url}/v2/acme/web/blobs/${image.layers[0].digest}`);
      const body = await layer.clone().text();
      assert.equal(layer.status, 503, body);
      assert.ok(Number(layer.headers.get('retry-after')) > 0);
      const [error] = await ociErrors(layer);
      assert.equal(error.code, 'UNAVAILABLE');
      assert.match(error.message, /not a Kubo RPC answer/);
      assert.match(error.message, /IPFS_API/);
    } finally {
      page = false;
    }
    const layer = await fetch(`${replica.url}/v2/acme/web/blobs/${image.layers[0].digest}`);
    assert.equal(layer.status, 200);
    assert.deepEqual(Buffer.from(await layer.arrayBuffer()), image.layers[0].bytes);
  });

  it('the trustless gateway never serves the page as a recorded block: 503, nothing cacheable', { timeout: 60_000 }, async () => {
    // Known to the trustless gateway as recorded before the proxy turns.
    const before = await fetch(`${replica.url}/ipfs/${layerCid}?format=raw`);
    assert.equal(before.status, 200, await before.clone().text());
    assert.deepEqual(Buffer.from(await before.arrayBuffer()), image.layers[0].bytes);
    page = true;
    try {
      const raw = await fetch(`${replica.url}/ipfs/${layerCid}?format=raw`);
      const body = Buffer.from(await raw.arrayBuffer());
      assert.notEqual(body.toString(), PAGE, 'the proxy\'s page was served as the block');
      assert.equal(raw.status, 503, body.toString());
      assert.doesNotMatch(raw.headers.get('cache-control') ?? '', /immutable/);
    } finally {
      page = false;
    }
  });
});
