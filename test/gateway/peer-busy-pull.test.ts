// Pulls through a replica whose first peer is busy (429 or 503 with Retry-After: 5 to everything)
// and whose second serves: a layer's blob, and a range of a one-block layer (its size read from
// its block fetched alone, blockFromPeers, before the range's own fetch), come byte for byte from
// the second peer at once rather than after the busy peer's wait; the busy peer, while its wait
// lasts, is not asked first again; and the busy answers are counted on /metrics
// (hcr_gateway_peer_failures_total{reason="busy"}). Real gateways
// on the dev chain; the busy peers are small HTTP servers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { digestInfo } from '../../src/chain';
import { makeImage, pushImage, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { sample } from './helpers/metrics';
import { PeerReplicas } from './helpers/peer-replicas';
import { listeningOnLoopback } from '../helpers/loopback-server';

const CASE = { timeout: 60_000 };
/** Well under the 5 s the busy peer asks for: the pull did not wait for it. */
const AT_ONCE_MS = 2_000;

interface BusyPeer {
  readonly url: string;
  asked: number;
  close(): Promise<void>;
}

async function busyPeer(status: 429 | 503): Promise<BusyPeer> {
  const peer: BusyPeer = { url: '', asked: 0, close: async () => undefined };
  const server: Server = createServer((_req, res) => {
    peer.asked++;
    res.writeHead(status, { 'Retry-After': '5' }).end('busy');
  });
  return Object.assign(peer, await listeningOnLoopback(server));
}

describe('a pull whose first peer is busy', () => {
  let a: TestGateway;
  let replicas: PeerReplicas;
  let image: ImageParts;
  const busyPeers: BusyPeer[] = [];

  before(async () => {
    a = await startTestGateway();
    replicas = new PeerReplicas(() => a.chain.api);
    // Files of many blocks (a CAR each) and files of one block (a layer's block alone).
    image = makeImage([randomBlob(1024 * 1024), randomBlob(64 * 1024), randomBlob(1024 * 1024), randomBlob(64 * 1024)]);
    const pushed = await pushImage(a.url, 'acme/busy', 'v1', image);
    assert.equal(pushed.status, 201);
  });
  after(async () => {
    await replicas?.close();
    for (const peer of busyPeers) await peer.close();
    await a?.close();
  });

  for (const [status, layers] of [[429, [0, 1]], [503, [2, 3]]] as const) {
    it(`takes a layer and a block from the next peer at once when the first answers ${status} with Retry-After: 5`, CASE, async () => {
      const busy = await busyPeer(status);
      busyPeers.push(busy);
      const replica = await replicas.start([busy.url, a.url]);

      const [whole, single] = layers.map((index) => image.layers[index]);
      let started = performance.now();
      const blob = await fetch(`${replica.url}/v2/acme/busy/blobs/${whole.digest}`);
      assert.equal(blob.status, 200, await blob.clone().text());
      assert.deepEqual(Buffer.from(await blob.arrayBuffer()), whole.bytes);
      let took = performance.now() - started;
      assert.ok(took < AT_ONCE_MS, `the blob took ${Math.round(took)} ms: the busy peer was waited for first`);

      const cid = (await digestInfo(a.chain.api, single.digest))!.cid.text!;
      assert.match(cid, /^bafk/, 'the small layer is one raw block');
      const askedBefore = busy.asked;
      started = performance.now();
      const part = await fetch(`${replica.url}/v2/acme/busy/blobs/${single.digest}`, { headers: { Range: 'bytes=100-4195' } });
      assert.equal(part.status, 206, await part.clone().text());
      assert.equal(part.headers.get('content-range'), `bytes 100-4195/${single.bytes.length}`);
      assert.deepEqual(Buffer.from(await part.arrayBuffer()), single.bytes.subarray(100, 4196));
      took = performance.now() - started;
      assert.ok(took < AT_ONCE_MS, `the range took ${Math.round(took)} ms: the busy peer was waited for first`);
      // Busy when the blob was fetched, and its wait not over: the range's fetches ask the other
      // peer first, and it serves.
      assert.equal(busy.asked - askedBefore, 0, `the busy peer was asked ${busy.asked - askedBefore} times for the range, within the wait it asked for`);

      const metrics = await (await fetch(`${replica.url}/metrics`)).text();
      const counted = sample(metrics, 'hcr_gateway_peer_failures_total', { peer: busy.url, reason: 'busy' }) ?? 0;
      assert.ok(counted >= 1, `busy answers counted: ${counted}\n${metrics.split('\n').filter((line) => line.startsWith('hcr_gateway_peer')).join('\n')}`);
      assert.equal(counted, busy.asked, 'each busy answer is counted once');
    });
  }
});
