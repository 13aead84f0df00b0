// A gateway whose IPFS_API reaches a proxy that answers in Kubo's place (a login or maintenance
// page sent with 200), or Kubo's HTTP gateway port (8080) instead of its RPC API, which answers
// every /api/v0/… call with 404 "404 page not found" (the node was never asked: no 404 for the layer). A pull must get a retryable 503 that names IPFS, not a 500 "internal
// error", and the trustless gateway must never serve the page as a block: it marks its answers
// immutable for a year, so a cache in front would keep the wrong bytes. The node behind the proxy
// is the embedded store's Kubo API over the test gateway's store.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { digestInfo } from '../../src/chain';
import type { RunningGateway } from '../../src/gateway';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { makeImage, ociErrors, pushImage, randomBlob } from './helpers/oci-client';
import { type ReplicaOnKubo, replicaOnKubo } from './helpers/replica-on-kubo';

const PAGE = '<!DOCTYPE html><html><body><h1>Maintenance: back soon</h1></body></html>';

type Answer = 'forward' | 'page' | 'wrong-port';

/** Answers every call with PAGE and 200, or as Kubo's HTTP gateway port does, or lets it through. */
function standIn(answer: () => Answer): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const now = answer();
    if (now === 'forward') return false;
    req.resume();
    req.on('end', () => {
      if (now === 'page') res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
      else res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    });
    return true;
  };
}

describe('a gateway whose IPFS API answers with a proxy\'s page', () => {
  let t: TestGateway;
  let onKubo: ReplicaOnKubo;
  let replica: RunningGateway;
  let answer: Answer = 'forward';
  // A layer per pull case: a layer pulled whole is in the replica's blob cache from then on.
  const image = makeImage([randomBlob(3000), randomBlob(3000)]);
  let layerCid: string;

  before(async () => {
    t = await startTestGateway();
    await pushImage(t.url, 'acme/web', 'v1', image);
    const recorded = (await digestInfo(t.chain.api, image.layers[0].digest))?.cid.text;
    assert.ok(recorded, 'the push recorded the layer');
    layerCid = recorded;
    // A replica has nothing cached: every read goes to its IPFS API.
    onKubo = await replicaOnKubo(t, standIn(() => answer));
    replica = onKubo.replica;
  });
  after(async () => {
    await onKubo?.close();
    await t?.close();
  });

  for (const [now, said, layerIndex] of [['page', /not a Kubo RPC answer/, 0], ['wrong-port', /not a Kubo RPC answer \(HTTP 404/, 1]] as const) {
    it(`a layer pull (${now}) is a 503 with Retry-After naming IPFS_API, not a 500 or a 404, and pulls again once the node answers`, { timeout: 60_000 }, async () => {
      const url = `${replica.url}/v2/acme/web/blobs/${image.layers[layerIndex].digest}`;
      answer = now;
      try {
        for (const method of ['HEAD', 'GET']) {
          const layer = await fetch(url, { method });
          assert.equal(layer.status, 503, `${method}: ${await layer.clone().text()}`);
          assert.ok(Number(layer.headers.get('retry-after')) > 0, method);
          if (method === 'GET') {
            const [error] = await ociErrors(layer);
            assert.equal(error.code, 'UNAVAILABLE');
            assert.match(error.message, said);
            assert.match(error.message, /IPFS_API/);
          }
        }
      } finally {
        answer = 'forward';
      }
      const layer = await fetch(url);
      assert.equal(layer.status, 200);
      assert.deepEqual(Buffer.from(await layer.arrayBuffer()), image.layers[layerIndex].bytes);
    });
  }

  it('the trustless gateway never serves the page as a recorded block: 503, nothing cacheable', { timeout: 60_000 }, async () => {
    // Known to the trustless gateway as recorded before the proxy turns.
    const before = await fetch(`${replica.url}/ipfs/${layerCid}?format=raw`);
    assert.equal(before.status, 200, await before.clone().text());
    assert.deepEqual(Buffer.from(await before.arrayBuffer()), image.layers[0].bytes);
    answer = 'page';
    try {
      const raw = await fetch(`${replica.url}/ipfs/${layerCid}?format=raw`);
      const body = Buffer.from(await raw.arrayBuffer());
      assert.notEqual(body.toString(), PAGE, 'the proxy\'s page was served as the block');
      assert.equal(raw.status, 503, body.toString());
      assert.doesNotMatch(raw.headers.get('cache-control') ?? '', /immutable/);
    } finally {
      answer = 'forward';
    }
  });
});
