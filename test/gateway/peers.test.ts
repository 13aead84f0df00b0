// A gateway with its own store and `peers` fetches what it lacks from another gateway's
// trustless endpoint, checks every block, keeps it pinned, and serves it on after the peer is
// gone. Peers that lie are costly, never wrong: one that sends other bytes, cuts its CAR short,
// stalls, never answers or is down is passed over for the next, and with no honest peer left the
// pull fails clearly within a bounded time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { digestInfo } from '../../src/chain';
import type { CID } from 'multiformats/cid';
import { carBlock, carHeader } from '../../src/ipfs/car';
import { carModule, ipfsModules } from '../../src/ipfs/esm';
import { decodeFileNode } from '../../src/ipfs/file-node';
import { startGateway } from '../../src/gateway';
import { MAX_CAR_SECTION_BYTES } from '../../src/gateway/peers/car-stream';
import { PeerClient, PeerError, peerLabel } from '../../src/gateway/peers/peer-client';
import { cacheFileName } from '../../src/gateway/storage/blob-cache';
import { blobOf, makeImage, ociErrors, pushImage, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { sample } from './helpers/metrics';
import { PeerReplicas } from './helpers/peer-replicas';

type Mode = 'other-bytes' | 'cut-short' | 'cut-car' | 'stall' | 'silent' | 'repeats';

/** A peer that lies: it fetches the honest answer from `honest` and spoils it the way `mode` says. */
async function lyingPeer(honest: string, mode: Mode): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (mode === 'silent') return; // never answers
    spoil(req.url ?? '', String(req.headers.accept ?? ''), res).catch(() => res.destroy());
  });
  async function spoil(path: string, accept: string, res: import('node:http').ServerResponse): Promise<void> {
    const answer = await fetch(`${honest}${path}`, { headers: { Accept: accept } });
    const body = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/octet-stream' });
    if (answer.status !== 200) return void res.end(body);
    if (mode === 'other-bytes') {
      body[body.length - 10] ^= 0xff; // inside the last block's bytes
      return void res.end(body);
    }
    if (mode === 'cut-short') return void res.end(body.subarray(0, Math.floor(body.length / 2)));
    // Blocks whole, CARs cut in half: a peer whose connection breaks in the middle of a file.
    if (mode === 'cut-car') return void res.end(isCar(answer) ? body.subarray(0, Math.floor(body.length / 2)) : body);
    if (mode === 'repeats') return void res.end(isCar(answer) ? await withRepeats(body) : body);
    res.write(body.subarray(0, Math.floor(body.length / 2))); // stall: half, then nothing
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function isCar(answer: Response): boolean {
  return answer.headers.get('content-type')?.startsWith('application/vnd.ipld.car') === true;
}

/** The CAR (which holds each block once) with every repeated block sent again where it recurs, as `dups=y` asks. */
async function withRepeats(car: Buffer): Promise<Buffer> {
  const m = await ipfsModules();
  const { CarReader } = await carModule();
  const reader = await CarReader.fromBytes(car);
  const blocks = new Map<string, Uint8Array>();
  for await (const block of reader.blocks()) blocks.set(block.cid.toString(), block.bytes);
  const [root] = await reader.getRoots();
  const parts: Uint8Array[] = [await carHeader([root])];
  const visit = (cid: CID): void => {
    const bytes = blocks.get(cid.toString());
    if (!bytes) return;
    parts.push(...carBlock(cid, bytes));
    const node = decodeFileNode(m, cid, bytes);
    if (node.kind === 'file') for (const link of node.links) visit(link.cid);
  };
  visit(root);
  return Buffer.concat(parts);
}

describe('peers', () => {
  it('names a peer in metrics without the credentials its URL may carry', () => {
    assert.equal(peerLabel('https://mirror:s3cret@peer.example:8443/registry/'), 'https://peer.example:8443/registry');
    assert.equal(new PeerClient('http://127.0.0.1:5000/').label, 'http://127.0.0.1:5000');
  });

  let a: TestGateway;
  let image: ImageParts;
  const replicas = new PeerReplicas(() => a.chain.api);
  const gatewayWith = (peers: string[]) => replicas.start(peers);

  before(async () => {
    a = await startTestGateway();
    image = makeImage([randomBlob(3 * 1024 * 1024 + 5), randomBlob(700)]);
    await pushImage(a.url, 'acme/web', 'v1', image);
  });
  after(async () => {
    await replicas.close();
    await a?.close();
  });

  it('fetches what it lacks from a peer, verified, keeps it pinned, and serves it once the peer is gone', async () => {
    const b = await gatewayWith([a.url]);
    const manifest = await fetch(`${b.gateway.url}/v2/acme/web/manifests/v1`);
    assert.equal(manifest.status, 200);
    assert.deepEqual(Buffer.from(await manifest.arrayBuffer()), image.manifest.bytes);
    for (const blob of [image.config, ...image.layers]) {
      const response = await fetch(`${b.gateway.url}/v2/acme/web/blobs/${blob.digest}`);
      assert.equal(response.status, 200, blob.digest);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), blob.bytes);
    }
    const layerCid = (await digestInfo(a.chain.api, image.layers[0].digest))!.cid.text!;
    assert.equal(await b.store.isPinned(layerCid), true, 'the pulled layer is pinned in B\'s own store');
    assert.ok(b.logs.some((line) => line.includes(`fetched ${layerCid}`)));
    // The blob cache holds the layer as a second name of the file the store wrote, not a copy.
    const leafFile = await b.store.leafFileOf(layerCid);
    assert.ok(leafFile, 'the store keeps the layer as one file');
    const cached = statSync(join(b.dataDir, 'gateway', 'cache', cacheFileName(image.layers[0].digest)));
    assert.equal(cached.ino, statSync(leafFile).ino, 'the cached layer is a hard link of the store\'s file');
    assert.equal(cached.size, image.layers[0].bytes.length);

    // Without A: B serves from its own store (its blob cache cleared, so IPFS is read).
    const fresh = replicas.adopt(await startGateway({ api: a.chain.api, blobStore: b.store, dataDir: mkdtempSync(join(b.dataDir, 'again-')), port: 0, auth: { enabled: false }, peers: ['http://127.0.0.1:9'], peerStallMs: 1_000 }));
    const layer = await fetch(`${fresh.url}/v2/acme/web/blobs/${image.layers[0].digest}`);
    assert.deepEqual(Buffer.from(await layer.arrayBuffer()), image.layers[0].bytes);

    // A range first: the whole blob is checked against its digest before the range goes out, and
    // then cached as a link too.
    const rangedDir = mkdtempSync(join(b.dataDir, 'ranged-'));
    const ranged = replicas.adopt(await startGateway({ api: a.chain.api, blobStore: b.store, dataDir: rangedDir, port: 0, auth: { enabled: false }, peers: ['http://127.0.0.1:9'], peerStallMs: 1_000 }));
    const part = await fetch(`${ranged.url}/v2/acme/web/blobs/${image.layers[0].digest}`, { headers: { Range: 'bytes=10-19' } });
    assert.equal(part.status, 206);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), image.layers[0].bytes.subarray(10, 20));
    assert.equal(statSync(join(rangedDir, 'gateway', 'cache', cacheFileName(image.layers[0].digest))).ino, statSync(leafFile).ino);
  });

  it('fetches a file whose chunks repeat, from a peer that sends each block once (dups=n) and from one that repeats them', async () => {
    // 1 MiB of zeros: four identical 256 KiB leaves; a trustless gateway may leave the repeats out.
    const repeating = Buffer.concat([Buffer.alloc(1024 * 1024), randomBlob(300 * 1024).bytes, Buffer.alloc(512 * 1024)]);
    const zeros = makeImage([blobOf(repeating)]);
    await pushImage(a.url, 'acme/zeros', 'v1', zeros);
    const repeatingPeer = await lyingPeer(a.url, 'repeats');
    try {
      for (const peers of [[a.url], [repeatingPeer.url]]) {
        const b = await gatewayWith(peers);
        const response = await fetch(`${b.gateway.url}/v2/acme/zeros/blobs/${zeros.layers[0].digest}`);
        assert.equal(response.status, 200, `${await response.clone().text()}\n${b.logs.join('\n')}`);
        assert.deepEqual(Buffer.from(await response.arrayBuffer()), repeating, `through ${peers[0]}: ${b.logs.join('\n')}`);
        const cid = (await digestInfo(a.chain.api, zeros.layers[0].digest))!.cid.text!;
        assert.equal(await b.store.isPinned(cid), true);
      }
      assert.ok(repeatingPeer.requests.length > 0);
    } finally {
      await repeatingPeer.close();
    }
  });

  it('asks the next peer for the rest of the file by its byte range, which a peer that never served the file answers too', async () => {
    // C holds A's content but has served none of it: it knows the file's root as recorded, not
    // the blocks below it, so only a request naming the root can reach them there.
    // Over 174 chunks: two levels of nodes above the leaves, so the rest starts below a node too.
    const layer = randomBlob(45 * 1024 * 1024 + 17);
    const other = makeImage([layer]);
    await pushImage(a.url, 'acme/resumed', 'v1', other);
    const c = await a.startReplica();
    const liar = await lyingPeer(a.url, 'cut-car');
    try {
      const b = await gatewayWith([liar.url, c.url]);
      const response = await fetch(`${b.gateway.url}/v2/acme/resumed/blobs/${layer.digest}`);
      assert.equal(response.status, 200, `${await response.clone().text()}\n${b.logs.join('\n')}`);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), layer.bytes, b.logs.join('\n'));
      assert.ok(b.logs.some((line) => line.includes('cut short')), b.logs.join('\n'));
      const cid = (await digestInfo(a.chain.api, layer.digest))!.cid.text!;
      assert.equal(await b.store.isPinned(cid), true);
    } finally {
      await liar.close();
    }
  });

  it('passes over peers that send other bytes, cut their CAR short, stall, never answer or are down', { timeout: 120_000 }, async () => {
    const liars = await Promise.all((['other-bytes', 'cut-short', 'stall', 'silent'] as const).map((mode) => lyingPeer(a.url, mode)));
    try {
      const b = await gatewayWith([...liars.map((liar) => liar.url), 'http://127.0.0.1:9', a.url]);
      const started = Date.now();
      const layer = await fetch(`${b.gateway.url}/v2/acme/web/blobs/${image.layers[0].digest}`);
      assert.equal(layer.status, 200);
      const body = await layer.arrayBuffer().catch((error: Error) => assert.fail(`the download broke (${error.message}):\n${b.logs.join("\n")}\nA:\n${a.logs.join("\n")}`));
      assert.deepEqual(Buffer.from(body), image.layers[0].bytes);
      assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
      for (const liar of liars) assert.ok(liar.requests.length > 0, 'every liar was asked');
      for (const word of ['not that block', 'cut short', 'of its answer in', 'unreachable']) {
        assert.ok(b.logs.some((line) => line.includes(word)), `no log line says "${word}":\n${b.logs.join('\n')}`);
      }
      // The gateway's metrics say which peer failed how, and who sent the bytes.
      const metrics = await (await fetch(`${b.gateway.url}/metrics`)).text();
      const failures = (peer: string, reason: string) => sample(metrics, 'hcr_gateway_peer_failures_total', { peer, reason }) ?? 0;
      const [otherBytes, cutShort, stall, silent] = liars.map((liar) => liar.url);
      assert.ok(failures(otherBytes, 'wrong_bytes') >= 1, metrics);
      assert.ok(failures(cutShort, 'cut_short') + failures(cutShort, 'wrong_bytes') >= 1, metrics);
      assert.ok(failures(stall, 'stalled') >= 1, metrics);
      assert.ok(failures(silent, 'stalled') >= 1, metrics);
      assert.ok(failures('http://127.0.0.1:9', 'unreachable') >= 1, metrics);
      assert.equal(failures(a.url, 'wrong_bytes') + failures(a.url, 'stalled') + failures(a.url, 'unreachable'), 0, metrics);
      // What a liar sent before its lie was checked and kept: the file's bytes came from the peers together.
      const received = [...liars.map((liar) => liar.url), a.url].map((peer) => sample(metrics, 'hcr_gateway_peer_received_bytes_total', { peer }) ?? 0);
      assert.ok(received[received.length - 1] > 0, metrics);
      assert.ok(received.reduce((sum, bytes) => sum + bytes, 0) >= image.layers[0].bytes.length, metrics);
    } finally {
      for (const liar of liars) await liar.close();
    }
  });

  it('fails clearly, within a bounded time, when no peer has honest content', { timeout: 120_000 }, async () => {
    const liars = await Promise.all((['other-bytes', 'cut-short', 'stall'] as const).map((mode) => lyingPeer(a.url, mode)));
    try {
      const b = await gatewayWith(liars.map((liar) => liar.url));
      const started = Date.now();
      const layer = await fetch(`${b.gateway.url}/v2/acme/web/blobs/${image.layers[1].digest}`);
      const body = await layer.arrayBuffer().then((bytes) => Buffer.from(bytes), () => undefined);
      assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
      assert.notDeepEqual(body, image.layers[1].bytes);
      if (layer.status === 200) assert.equal(body, undefined, 'a 200 must end short');
      else assert.ok(layer.status >= 400);
    } finally {
      for (const liar of liars) await liar.close();
    }
  });

  it('gives up on a block that runs past the largest a block may be, without holding more of it', async () => {
    let sent = 0;
    let closed = false;
    // Answers every request with bytes that never end, as fast as they are read.
    const server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.raw' });
      const piece = Buffer.alloc(1024 * 1024, 7);
      const more = () => {
        while (!res.destroyed) {
          sent += piece.length;
          if (!res.write(piece)) return;
        }
      };
      res.on('drain', more);
      res.on('close', () => (closed = true));
      more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const m = await ipfsModules();
      const cid = m.CID.createV1(0x55, await m.sha256.digest(Buffer.from('a block')));
      const peer = new PeerClient(`http://127.0.0.1:${(server.address() as { port: number }).port}`, { stallMs: 5_000 });
      await assert.rejects(peer.block(cid), (error: Error) => error instanceof PeerError && /no block is that large/.test(error.message));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(closed, 'the connection was let go of');
      assert.ok(sent < 4 * MAX_CAR_SECTION_BYTES, `the peer got to send ${sent} bytes`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers a pull no peer can serve with an error naming what each peer did', async () => {
    const b = await gatewayWith(['http://127.0.0.1:9']);
    const response = await fetch(`${b.gateway.url}/v2/acme/web/manifests/v1`);
    assert.equal(response.status, 404);
    const [error] = await ociErrors(response);
    assert.match(error.message, /IPFS has none of its CIDs|no peer/);
  });
});
