// A peer that sends slowly, just above the stall floor (64 KiB in each stall limit), whether by
// accident or to hold pulls up: while another peer may be asked, it costs a download one window
// of the slow-peer rule, not the hours its pace would take; downloads that follow ask it last; and
// when it is the only peer, it is read to the end at its pace. Real gateways over real sockets, a
// throttling proxy in front of gateway A as the slow peer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type RunningGateway, startGateway } from '../../src/gateway';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { makeImage, pushImage, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { sample } from './helpers/metrics';
import { listeningOnLoopback } from '../helpers/loopback-server';

/** The pace of the slow peer: 64 KiB each 500 ms, 128 KiB/s, above the floor of 64 KiB a second here. */
const DRIP_BYTES = 64 * 1024;
const DRIP_MS = 500;
/** The rule under test: 1 MiB in each second of waiting while another peer may be asked. */
const RULE = { windowMs: 1_000, minBytes: 1024 * 1024 };

interface SlowPeer {
  readonly url: string;
  requests: number;
  close(): Promise<void>;
}

/** A peer that answers what `upstream` answers, its body at DRIP_BYTES each DRIP_MS. */
async function slowPeer(upstream: string): Promise<SlowPeer> {
  const target = new URL(upstream);
  const peer: SlowPeer = { url: '', requests: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    peer.requests++;
    const forwarded = request({ host: target.hostname, port: target.port, path: req.url, method: 'GET', headers: { accept: req.headers.accept ?? '*/*' } }, async (answer) => {
      const headers = { ...answer.headers };
      delete headers['content-length'];
      res.writeHead(answer.statusCode ?? 502, headers);
      let held = Buffer.alloc(0);
      try {
        for await (const chunk of answer) {
          held = Buffer.concat([held, chunk as Buffer]);
          while (held.length >= DRIP_BYTES) {
            if (res.destroyed) return answer.destroy();
            res.write(held.subarray(0, DRIP_BYTES));
            held = held.subarray(DRIP_BYTES);
            await delay(DRIP_MS);
          }
        }
        res.end(held);
      } catch {
        res.destroy();
      }
    });
    forwarded.on('error', () => res.destroy());
    res.on('close', () => forwarded.destroy());
    forwarded.end();
  });
  return Object.assign(peer, await listeningOnLoopback(server));
}

describe('slow peers', () => {
  let a: TestGateway;
  let image: ImageParts;
  let slow: SlowPeer;
  const dirs: string[] = [];
  const stores: EmbeddedBlobStore[] = [];
  const gateways: RunningGateway[] = [];

  async function gatewayWith(peers: string[]): Promise<RunningGateway> {
    const dir = mkdtempSync(join(tmpdir(), 'hcr-slow-peer-'));
    dirs.push(dir);
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dir));
    stores.push(store);
    // The stall limit stays 10 s: the slow peer is well above that floor.
    const gateway = await startGateway({ api: a.chain.api, blobStore: store, dataDir: dir, port: 0, auth: { enabled: false }, peers, slowPeer: RULE, log: () => undefined });
    gateways.push(gateway);
    return gateway;
  }

  const download = async (gateway: RunningGateway, index: number) => {
    const started = Date.now();
    const answer = await fetch(`${gateway.url}/v2/acme/slow/blobs/${image.layers[index].digest}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(Buffer.from(await answer.arrayBuffer()), image.layers[index].bytes);
    return Date.now() - started;
  };
  const metricsOf = async (gateway: RunningGateway) => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    return {
      slowFailures: (peer: string) => sample(text, 'hcr_gateway_peer_failures_total', { peer, reason: 'slow' }) ?? 0,
      received: (peer: string) => sample(text, 'hcr_gateway_peer_received_bytes_total', { peer }) ?? 0,
    };
  };

  before(async () => {
    a = await startTestGateway();
    // 8 MiB: a minute at the slow peer's pace.
    image = makeImage([randomBlob(8 * 1024 * 1024), randomBlob(4 * 1024 * 1024), randomBlob(300 * 1024)]);
    await pushImage(a.url, 'acme/slow', 'v1', image);
    slow = await slowPeer(a.url);
  });
  after(async () => {
    for (const gateway of gateways) await gateway.close();
    for (const store of stores) await store.close().catch(() => undefined);
    await slow?.close();
    await a?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('passes over a peer slower than the rule for the next one, keeping what it sent, and asks it last afterwards', { timeout: 120_000 }, async () => {
    const b = await gatewayWith([slow.url, a.url]);
    const took = await download(b, 0);
    // At its pace the slow peer would take 64 s; passed over after a second or two, A sends the rest.
    assert.ok(took < 30_000, `the download took ${took} ms`);
    let metrics = await metricsOf(b);
    assert.equal(metrics.slowFailures(slow.url), 1);
    assert.ok(metrics.received(slow.url) > 0, 'what the slow peer sent before it was passed over is kept');
    assert.ok(metrics.received(slow.url) + metrics.received(a.url) >= image.layers[0].bytes.length);

    // The next download asks A first: the slow peer sends nothing and is not judged again.
    const askedBefore = slow.requests;
    const fromSlow = metrics.received(slow.url);
    await download(b, 1);
    metrics = await metricsOf(b);
    assert.equal(slow.requests, askedBefore, 'the peer found slow was asked first again');
    assert.equal(metrics.received(slow.url), fromSlow);
    assert.equal(metrics.slowFailures(slow.url), 1);
  });

  it('reads the only peer there is to the end at its pace', { timeout: 120_000 }, async () => {
    const b = await gatewayWith([slow.url]);
    // 300 KiB: a few seconds at the slow peer's pace, which is slower than the rule.
    await download(b, 2);
    const metrics = await metricsOf(b);
    assert.equal(metrics.slowFailures(slow.url), 0);
    assert.ok(metrics.received(slow.url) >= image.layers[2].bytes.length);
  });
});
