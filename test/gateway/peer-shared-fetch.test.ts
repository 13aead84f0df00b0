// Pulls of one blob a replica lacks, at the same time, share one fetch from its peers: the peer
// sends the blob once and the replica stores and pins it once. A client that stops reading holds
// up neither the others nor the gateway's memory (it falls behind, is let go of, and goes on by
// itself from its byte); clients that hang up leave the others be, and when all have gone the
// fetch ends, with nothing of it kept pinned. Wrong bytes from a peer reach no client. What all
// shared fetches hold together is bounded too. A cold pull asks the peer once: the blob's size
// (for the response's headers) comes from the root block of the fetch the pull then reads, and a
// fetch started for a size that no read follows is cancelled.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get, request, type IncomingMessage, type Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { digestInfo } from '../../src/chain';
import { SHARED_WINDOW_BYTES, sharedFetchBounds, sharedFetchMemory, unjoinedFetch } from '../../src/gateway/peers/shared-fetch';
import { type Blob, makeImage, pushImage, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { sample } from './helpers/metrics';
import { PeerReplicas } from './helpers/peer-replicas';

const MiB = 1024 * 1024;

/** A peer in front of `target` that counts the body bytes it sends, and may flip one byte of the first CAR that runs that far. */
interface Relay {
  readonly url: string;
  /** Body bytes sent to the replica so far. */
  sent: number;
  /** Answers still open. */
  open: number;
  /** The paths asked for, in order. */
  readonly asked: string[];
  close(): Promise<void>;
}

async function relay(target: string, options: { flipCarByteAt?: number; answerAfterMs?: number } = {}): Promise<Relay> {
  let flipped = false;
  const state = { sent: 0, open: 0 };
  const asked: string[] = [];
  const server: Server = createServer((req, res) => {
    state.open++;
    asked.push(req.url ?? '');
    res.on('close', () => state.open--);
    const upstream = request(`${target}${req.url}`, { headers: { accept: req.headers.accept ?? '*/*' } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      const isCar = String(answer.headers['content-type']).startsWith('application/vnd.ipld.car');
      const flipAt = options.flipCarByteAt;
      let position = 0;
      answer.on('data', (chunk: Buffer) => {
        if (isCar && !flipped && flipAt !== undefined && position <= flipAt && flipAt < position + chunk.length) {
          flipped = true;
          chunk = Buffer.from(chunk);
          chunk[flipAt - position] ^= 0xff;
        }
        position += chunk.length;
        state.sent += chunk.length;
        if (!res.write(chunk)) answer.pause();
      });
      res.on('drain', () => answer.resume());
      answer.on('end', () => res.end());
      res.on('close', () => answer.destroy());
    });
    upstream.on('error', () => res.destroy());
    // A slow peer: the request reaches A only after this long.
    setTimeout(() => upstream.end(), options.answerAfterMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get sent() {
      return state.sent;
    },
    get open() {
      return state.open;
    },
    asked,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A GET's response, on a connection of its own. */
function open(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(url, { agent: false }, resolve).on('error', reject));
}

/** A GET's whole body, on a connection of its own; rejects when the body ends short of its Content-Length. */
async function pullWhole(url: string): Promise<Buffer> {
  const response = await open(url);
  assert.equal(response.statusCode, 200);
  return bodyOf(response);
}

function bodyOf(response: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => (response.complete ? resolve(Buffer.concat(chunks)) : reject(new Error('the body ended short'))));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('the body ended short')));
  });
}

/** Reads at least `bytes` of a response's body, then pauses it; resolves with what was read. */
function readThenStop(response: IncomingMessage, bytes: number): Promise<Buffer[]> {
  const read: Buffer[] = [];
  let got = 0;
  return new Promise((resolve) => {
    const take = (chunk: Buffer) => {
      read.push(chunk);
      got += chunk.length;
      if (got < bytes) return;
      response.pause();
      response.off('data', take);
      resolve(read);
    };
    response.on('data', take);
  });
}

async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, what);
    await delay(20);
  }
}

describe('pulls of one blob at the same time share one fetch from the peers', () => {
  let a: TestGateway;
  const relays: Relay[] = [];
  const replicas = new PeerReplicas(() => a.chain.api);
  const replica = (peers: string[]) => replicas.start(peers);

  async function relayOfA(options: { flipCarByteAt?: number; answerAfterMs?: number } = {}): Promise<Relay> {
    const made = await relay(a.url, options);
    relays.push(made);
    return made;
  }

  async function pushed(name: string, size: number): Promise<{ layer: Blob; cid: string }> {
    const image = makeImage([randomBlob(size)]);
    assert.equal((await pushImage(a.url, name, 'v1', image)).status, 201);
    const layer = image.layers[0];
    return { layer, cid: (await digestInfo(a.chain.api, layer.digest))!.cid.text! };
  }

  const linesWith = (logs: string[], text: string) => logs.filter((line) => line.includes(text)).length;

  before(async () => {
    a = await startTestGateway();
  });
  after(async () => {
    await replicas.close();
    for (const made of relays) await made.close();
    await a?.close();
  });

  it('six pulls at once cost the peer one blob, are byte-identical, and store and pin it once', { timeout: 60_000 }, async () => {
    const { layer, cid } = await pushed('acme/six', 24 * MiB);
    const peer = await relayOfA();
    const b = await replica([peer.url]);
    sharedFetchMemory.peak = sharedFetchMemory.held;
    const bodies = await Promise.all(Array.from({ length: 6 }, () => pullWhole(`${b.url}/v2/acme/six/blobs/${layer.digest}`)));
    for (const body of bodies) assert.ok(body.equals(layer.bytes), 'every pull gets the blob');
    assert.ok(peer.sent < layer.bytes.length * 1.1, `the peer sent ${(peer.sent / MiB).toFixed(1)} MiB for six pulls of a ${layer.bytes.length / MiB} MiB blob`);
    await eventually('the blob is pinned', () => b.store.isPinned(cid));
    assert.equal(linesWith(b.logs, `fetched ${cid}`), 1, b.logs.join('\n'));
    assert.ok(sharedFetchMemory.peak <= layer.bytes.length + MiB, `shared fetches held ${sharedFetchMemory.peak} bytes`);
  });

  it('a client that reads nothing holds up neither the others nor memory past the window, and later gets the blob on its own', { timeout: 60_000 }, async () => {
    // Past the window and what the buffers between the gateway and a client hold.
    const { layer, cid } = await pushed('acme/paused', SHARED_WINDOW_BYTES + 16 * MiB);
    const peer = await relayOfA();
    const b = await replica([peer.url]);
    const url = `${b.url}/v2/acme/paused/blobs/${layer.digest}`;
    sharedFetchMemory.peak = sharedFetchMemory.held;
    const paused = await open(url);
    paused.pause();
    const started = Date.now();
    const others = await Promise.all([pullWhole(url), pullWhole(url)]);
    for (const body of others) assert.ok(body.equals(layer.bytes));
    assert.ok(Date.now() - started < 20_000, `the others took ${Date.now() - started} ms`);
    assert.ok(sharedFetchMemory.peak <= SHARED_WINDOW_BYTES + 2 * MiB, `shared fetches held ${(sharedFetchMemory.peak / MiB).toFixed(1)} MiB`);
    // Let go of, it has no fetch of its own until it reads. (Readers that run at very different
    // speeds on a busy machine may part too, each going on alone: the two cost two blobs at most.)
    assert.ok(linesWith(b.logs, 'on a fetch of its own') >= 1, b.logs.join('\n'));
    assert.ok(peer.sent < layer.bytes.length * 2, `the peer sent ${(peer.sent / MiB).toFixed(1)} MiB while one client read nothing`);
    await eventually('the blob is pinned', () => b.store.isPinned(cid));
    // It reads at last: the rest comes from the peer from its byte on, and the whole is the blob.
    const rest = bodyOf(paused);
    paused.resume();
    assert.ok((await rest).equals(layer.bytes));
    assert.ok(peer.sent < layer.bytes.length * 3, `the peer sent ${(peer.sent / MiB).toFixed(1)} MiB`);
  });

  it('a cold pull asks the peer once: its size comes from the root block of the fetch it reads', { timeout: 60_000 }, async () => {
    const { layer, cid } = await pushed('acme/asked-once', 8 * MiB);
    const peer = await relayOfA();
    const b = await replica([peer.url]);
    assert.ok((await pullWhole(`${b.url}/v2/acme/asked-once/blobs/${layer.digest}`)).equals(layer.bytes));
    const forBlob = peer.asked.filter((path) => path.startsWith(`/ipfs/${cid}`));
    assert.equal(forBlob.length, 1, `the peer was asked: ${peer.asked.join(', ')}`);
    assert.match(forBlob[0], /format=car/);
    await eventually('the blob is pinned', () => b.store.isPinned(cid));
  });

  it('a fetch started for a size that no read follows is cancelled: its connection to the peer closes and nothing stays pinned', { timeout: 60_000 }, async () => {
    // Larger than the window the fetch keeps of the file's start for reads yet to join: it stops
    // there, so the peer cannot have sent the whole blob before the cancel, however fast it is.
    const { layer, cid } = await pushed('acme/size-alone', SHARED_WINDOW_BYTES + 16 * MiB);
    const peer = await relayOfA();
    const b = await replica([peer.url]);
    const wait = unjoinedFetch.ms;
    unjoinedFetch.ms = 300;
    try {
      // What a lookup of the blob does first (the size for the headers), with no read after it.
      assert.equal((await b.gateway.gateway.context.store.stat(cid)).size, layer.bytes.length);
      await eventually('the fetch ends', () => linesWith(b.logs, `${cid} from peers was not kept`) > 0);
      await eventually('the connection to the peer is closed', () => peer.open === 0, 5_000);
      assert.ok(peer.sent < layer.bytes.length, `the peer sent ${(peer.sent / MiB).toFixed(1)} MiB`);
      assert.equal(await b.store.isPinned(cid), false);
    } finally {
      unjoinedFetch.ms = wait;
    }
    // A pull afterwards is served whole, on a fetch of its own.
    assert.ok((await pullWhole(`${b.url}/v2/acme/size-alone/blobs/${layer.digest}`)).equals(layer.bytes));
  });

  it('a HEAD, or a range, of a blob checked before whose bytes have gone from here asks the peer for its root block alone, not the whole blob', { timeout: 60_000 }, async () => {
    const { layer, cid } = await pushed('acme/checked-gone', 24 * MiB);
    const peer = await relayOfA();
    const b = await replica([peer.url]);
    const blobUrl = `${b.url}/v2/acme/checked-gone/blobs/${layer.digest}`;
    // Pulled once: the pair is checked, and the blob stored and pinned here; then its bytes go
    // (an operator's `ipfs pin rm` and collection, a store wiped) and so does the blob cache's copy.
    assert.ok((await pullWhole(blobUrl)).equals(layer.bytes));
    await eventually('the blob is pinned', () => b.store.isPinned(cid));
    await b.store.unpin(cid);
    await b.store.collectGarbage!(Date.now() + 1000);
    await b.gateway.gateway.context.cache.remove(layer.digest);
    assert.equal(await b.store.has(cid), false);

    const asked = peer.asked.length;
    const sent = peer.sent;
    const head = await fetch(blobUrl, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(layer.bytes.length));
    const forHead = peer.asked.slice(asked);
    assert.equal(forHead.length, 1, `the peer was asked: ${forHead.join(', ')}`);
    assert.doesNotMatch(forHead[0], /format=car/, 'a block, not the blob');
    assert.ok(peer.sent - sent < MiB, `the peer sent ${((peer.sent - sent) / MiB).toFixed(1)} MiB for a HEAD`);
    await eventually('no answer of the peer stays open', () => peer.open === 0, 2_000);

    // A range: the size from the root block, the bytes from a fetch of their own (stored whole).
    const range = await fetch(blobUrl, { headers: { Range: 'bytes=100-199' } });
    assert.equal(range.status, 206);
    assert.ok(Buffer.from(await range.arrayBuffer()).equals(layer.bytes.subarray(100, 200)));
    const forRange = peer.asked.slice(asked + 1);
    assert.equal(forRange.filter((path) => /format=car/.test(path)).length, 1, `the peer was asked: ${forRange.join(', ')}`);
    assert.ok(peer.sent - sent < layer.bytes.length * 1.2, `the peer sent ${((peer.sent - sent) / MiB).toFixed(1)} MiB for a HEAD and a range of a ${layer.bytes.length / MiB} MiB blob`);
  });

  it('a cold pull joins the fetch its size started without asking the store whether the file is whole here, which walks what the fetch stored so far', { timeout: 60_000 }, async () => {
    const { layer, cid } = await pushed('acme/join-at-once', 8 * MiB);
    const peer = await relayOfA();
    const b = await replica([peer.url]);
    const asked: string[] = [];
    const has = b.store.has.bind(b.store);
    b.store.has = (asking: string) => {
      asked.push(asking);
      return has(asking);
    };
    assert.ok((await pullWhole(`${b.url}/v2/acme/join-at-once/blobs/${layer.digest}`)).equals(layer.bytes));
    assert.deepEqual(asked.filter((asking) => asking === cid), [], 'the store was asked whether it holds the file the fetch was bringing');
    assert.equal(peer.asked.filter((path) => path.startsWith(`/ipfs/${cid}`)).length, 1, `the peer was asked ${peer.asked.join(', ')}`);
    await eventually('the blob is pinned', () => b.store.isPinned(cid));
  });

  it('a GET whose Range asks for the whole blob (from byte 0 on, several ranges, another unit) asks the peer once, for the blob', { timeout: 60_000 }, async () => {
    const cases: Array<{ range: string; status: number }> = [
      // A client able to resume asks so on its first try.
      { range: 'bytes=0-', status: 206 },
      // Answered with the whole blob (RFC 9110 allows it).
      { range: 'bytes=0-9, 100-199', status: 200 },
      { range: 'lines=1-2', status: 200 },
    ];
    for (const [index, { range, status }] of cases.entries()) {
      const { layer, cid } = await pushed(`acme/whole-range-${index}`, 4 * MiB);
      const peer = await relayOfA();
      const b = await replica([peer.url]);
      const answer = await fetch(`${b.url}/v2/acme/whole-range-${index}/blobs/${layer.digest}`, { headers: { Range: range } });
      assert.equal(answer.status, status, range);
      assert.ok(Buffer.from(await answer.arrayBuffer()).equals(layer.bytes), range);
      // (The peer is asked for the image's manifest too: it says which blobs the repository has.)
      const forBlob = peer.asked.filter((path) => path.startsWith(`/ipfs/${cid}`));
      assert.deepEqual(forBlob.map((path) => /format=car/.test(path)), [true], `${range}: the peer was asked ${peer.asked.join(', ')}`);
    }
  });

  it('a peer slower to send the root block than a read has to join its fetch still gives the size, and the read that follows joins', { timeout: 60_000 }, async () => {
    const { layer, cid } = await pushed('acme/slow-root', 4 * MiB);
    const peer = await relayOfA({ answerAfterMs: 600 });
    const b = await replica([peer.url]);
    const wait = unjoinedFetch.ms;
    unjoinedFetch.ms = 300;
    try {
      // The wait for a read starts once the size is known: the peer's slowness before it is not the read's.
      assert.equal((await b.gateway.gateway.context.store.stat(cid)).size, layer.bytes.length);
      const read = await b.gateway.gateway.context.store.get(cid);
      const chunks: Buffer[] = [];
      for await (const chunk of read) chunks.push(chunk as Buffer);
      assert.ok(Buffer.concat(chunks).equals(layer.bytes));
      assert.equal(peer.asked.length, 1, `the peer was asked ${peer.asked.join(', ')}`);
    } finally {
      unjoinedFetch.ms = wait;
    }
  });

  it('a client that hangs up leaves the others be', { timeout: 60_000 }, async () => {
    const { layer, cid } = await pushed('acme/one-gone', 24 * MiB);
    const url = `/v2/acme/one-gone/blobs/${layer.digest}`;
    const peer = await relayOfA();
    const b = await replica([peer.url]);
    // One of three hangs up after its first bytes; the two others read the blob whole, fetched once.
    const [leaving, ...staying] = await Promise.all([open(`${b.url}${url}`), open(`${b.url}${url}`), open(`${b.url}${url}`)]);
    leaving.once('data', () => leaving.destroy());
    const bodies = await Promise.all(staying.map(bodyOf));
    for (const body of bodies) assert.ok(body.equals(layer.bytes));
    assert.ok(peer.sent < layer.bytes.length * 1.1, `the peer sent ${(peer.sent / MiB).toFixed(1)} MiB`);
    await eventually('the blob is pinned', () => b.store.isPinned(cid));
    assert.equal(linesWith(b.logs, `fetched ${cid}`), 1, b.logs.join('\n'));
  });

  it('when every client has hung up, the one fetch ends: its connection to the peer closes and nothing stays pinned', { timeout: 60_000 }, async () => {
    const { layer, cid } = await pushed('acme/all-gone', 24 * MiB);
    const url = `/v2/acme/all-gone/blobs/${layer.digest}`;
    const peer = await relayOfA();
    const b = await replica([peer.url]);
    const responses = await Promise.all([open(`${b.url}${url}`), open(`${b.url}${url}`), open(`${b.url}${url}`)]);
    for (const response of responses) response.once('data', () => response.destroy());
    await eventually('the fetch ends', () => linesWith(b.logs, `${cid} from peers was not kept`) > 0);
    await delay(500);
    assert.equal(linesWith(b.logs, `${cid} from peers was not kept`), 1, `one fetch, cancelled once:\n${b.logs.join('\n')}`);
    await eventually('the connection to the peer is closed', () => peer.open === 0, 5_000);
    assert.ok(peer.sent < layer.bytes.length, `the peer sent ${(peer.sent / MiB).toFixed(1)} MiB`);
    assert.equal(await b.store.isPinned(cid), false);
  });

  it('bytes a peer spoils mid-way reach no reader: the fetch goes on from the next peer for all of them', { timeout: 60_000 }, async () => {
    const { layer, cid } = await pushed('acme/spoilt', 24 * MiB);
    const liar = await relayOfA({ flipCarByteAt: 12 * MiB });
    const honest = await relayOfA();
    const b = await replica([liar.url, honest.url]);
    const bodies = await Promise.all(Array.from({ length: 4 }, () => pullWhole(`${b.url}/v2/acme/spoilt/blobs/${layer.digest}`)));
    for (const body of bodies) assert.ok(body.equals(layer.bytes), 'no reader gets the spoilt bytes');
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    assert.ok((sample(metrics, 'hcr_gateway_peer_failures_total', { peer: liar.url, reason: 'wrong_bytes' }) ?? 0) >= 1, `${metrics.split('\n').filter((line) => line.startsWith('hcr_gateway_peer')).join('\n')}\n${b.logs.join('\n')}`);
    // Counted in verified blocks: what the liar had sent past its lie when it was cut off is not.
    const received = [liar.url, honest.url].reduce((sum, peer) => sum + (sample(metrics, 'hcr_gateway_peer_received_bytes_total', { peer }) ?? 0), 0);
    assert.ok(received < layer.bytes.length * 1.1, `the peers sent ${(received / MiB).toFixed(1)} MiB of verified blocks for four pulls`);
    assert.ok(honest.sent > 0, 'the rest came from the next peer');
    await eventually('the blob is pinned', () => b.store.isPinned(cid));
  });

  it('what the shared fetches hold is on /metrics, and goes when their clients do', { timeout: 60_000 }, async () => {
    const { layer } = await pushed('acme/metered', 16 * MiB);
    const peer = await relayOfA();
    const b = await replica([peer.url]);
    const held = async () => sample(await (await fetch(`${b.url}/metrics`)).text(), 'hcr_gateway_peer_shared_fetch_bytes');
    const base = await held();
    assert.notEqual(base, undefined, 'a gateway with peers reports what its shared fetches hold');
    // A client reads 8 MiB and stops: its fetch keeps the blob's start for pulls yet to join.
    const stopped = await open(`${b.url}/v2/acme/metered/blobs/${layer.digest}`);
    await readThenStop(stopped, 8 * MiB);
    const holding = (await held())! - base!;
    assert.ok(holding >= 6 * MiB && holding <= SHARED_WINDOW_BYTES + 2 * MiB, `the metric says ${(holding / MiB).toFixed(1)} MiB held`);
    stopped.destroy();
    await eventually('what the fetch held is let go of', async () => (await held())! <= base!);
  });

  it('past the bound on what all shared fetches hold, a client that stopped reading holds none of what it read', { timeout: 60_000 }, async () => {
    const { layer } = await pushed('acme/bounded', 24 * MiB);
    const peer = await relayOfA();
    const b = await replica([peer.url]);
    const url = `${b.url}/v2/acme/bounded/blobs/${layer.digest}`;
    const bound = sharedFetchBounds.memoryBytes;
    sharedFetchBounds.memoryBytes = 4 * MiB;
    try {
      const base = sharedFetchMemory.held;
      // A client reads 12 MiB and stops: its fetch would keep all of it for reads yet to join.
      const stopped = await open(url);
      const read = await readThenStop(stopped, 12 * MiB);
      await delay(300);
      assert.ok(sharedFetchMemory.held - base <= sharedFetchBounds.memoryBytes, `shared fetches hold ${((sharedFetchMemory.held - base) / MiB).toFixed(1)} MiB`);
      // A pull starting now gets the blob (on a fetch of its own), and the stopped one the rest.
      assert.ok((await pullWhole(url)).equals(layer.bytes));
      const rest = bodyOf(stopped);
      stopped.resume();
      assert.ok(Buffer.concat([...read, await rest]).equals(layer.bytes));
    } finally {
      sharedFetchBounds.memoryBytes = bound;
    }
  });
});
