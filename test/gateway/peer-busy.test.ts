// A peer that is busy, not failed: a 429 (a trustless gateway at its bound of open CARs per
// client) or a 503 with a short Retry-After is waited out and the peer asked again, in seconds or
// as an HTTP date; a peer busy for ever costs a few waits and then fails as before; a client that
// hangs up ends the wait at once; and the wait is not counted as the peer being slow. A real
// trustless gateway (its routes, with a lowered CAR bound) and small HTTP peers in front of it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { CID } from 'multiformats/cid';
import { BlobNotFoundError, type BlobStore } from '../../src/ipfs';
import { dagBlocks } from '../../src/ipfs/dag-blocks';
import { type IpfsModules, ipfsModules } from '../../src/ipfs/esm';
import { hangUpDuring } from './helpers/hang-up';
import { MAX_BUSY_TOTAL_MS, MAX_BUSY_WAITS } from '../../src/gateway/peers/busy-peer';
import { PeerClient, PeerError, type PeerFailure } from '../../src/gateway/peers/peer-client';
import { verifiedFile } from '../../src/gateway/peers/verified-dag';
import type { RecordedCids } from '../../src/gateway/trustless/recorded-cids';
import { trustlessRoutes } from '../../src/gateway/trustless/routes';
import { type Block, rawBlock, unixfsNode } from './helpers/dag';

const everything = { allows: async () => true, learning: false, allowChildren: () => undefined } as unknown as RecordedCids;
const CASE = { timeout: 30_000 };

async function file(fill: number): Promise<{ root: Block; blocks: Block[]; bytes: Buffer }> {
  const leaves = [await rawBlock(new Uint8Array(4096).fill(fill)), await rawBlock(new Uint8Array(4096).fill(fill + 1))];
  const root = await unixfsNode('file', leaves.map((leaf) => ({ cid: leaf.cid, size: 4096 })));
  return { root, blocks: [root, ...leaves], bytes: Buffer.concat(leaves.map((leaf) => leaf.bytes)) };
}

async function readFile(m: IpfsModules, root: CID, peers: PeerClient[], options: { signal?: AbortSignal; failed?: (peer: PeerClient, reason: PeerFailure) => void; received?: (peer: PeerClient) => void; slow?: { windowMs: number; minBytes: number } } = {}): Promise<Buffer> {
  const observer = { received: (peer: PeerClient) => options.received?.(peer), failed: (peer: PeerClient, reason: PeerFailure) => options.failed?.(peer, reason) };
  const pieces: Uint8Array[] = [];
  for await (const block of verifiedFile(m, root, peers, () => undefined, options.signal, observer, options.slow)) if (block.data) pieces.push(block.data);
  return Buffer.concat(pieces);
}

describe('a busy peer is waited for, not failed', () => {
  let m: IpfsModules;
  let server: http.Server;
  let base: string;
  let open: Awaited<ReturnType<typeof file>>;
  let held: Awaited<ReturnType<typeof file>>;
  let releaseHeld: () => void = () => undefined;
  const heldGate = new Promise<void>((resolve) => (releaseHeld = resolve));
  /** GETs each behaviour's prefix has had. */
  const asked = new Map<string, number>();
  /** How a prefix answers its first requests before it lets them through to the gateway (or for ever). */
  const answers: Record<string, (n: number, res: express.Response) => boolean> = {
    '/busy-once': (n, res) => n === 1 && !!res.set('Retry-After', '1').status(429).end('busy'),
    '/busy-until-date': (n, res) => n === 1 && !!res.set('Retry-After', new Date(Date.now() + 1500).toUTCString()).status(503).end('not yet'),
    '/busy-for-ever': (_, res) => !!res.set('Retry-After', '0').status(429).end('busy'),
    '/busy-for-a-minute': (_, res) => !!res.set('Retry-After', '60').status(429).end('busy'),
    '/busy-for-5s': (_, res) => !!res.set('Retry-After', '5').status(429).end('busy'),
    '/chain-down': (_, res) => !!res.set('Retry-After', '5').status(503).end('the chain cannot be reached'),
  };

  before(async () => {
    m = await ipfsModules();
    open = await file(1);
    held = await file(7);
    const blocks = new Map([...open.blocks, ...held.blocks].map((b) => [b.cid.toString(), b.bytes]));
    // The held file's leaves come only once the test lets them: its CAR stays open until then.
    const read = async (cid: CID) => {
      if (held.blocks.slice(1).some((leaf) => leaf.cid.equals(cid))) await heldGate;
      return blocks.get(cid.toString());
    };
    const store = {
      getBlock: async (text: string) => blocks.get(text) ?? Promise.reject(new BlobNotFoundError(text, 'not held')),
      blocks: (text: string, options: { range?: { start: number; end: number }; once?: boolean } = {}) => dagBlocks(m, m.CID.parse(text), read, options.range, { once: options.once }),
    } as unknown as BlobStore;
    const log = () => undefined;
    const app = express();
    // One CAR open per client at once: the second is a 429, as the 33rd is by default.
    app.use('/one-car', trustlessRoutes({ store, recorded: everything, log, carConcurrency: { perClient: 1, total: 100 } } as Parameters<typeof trustlessRoutes>[0], log));
    const gateway = trustlessRoutes({ store, recorded: everything, log } as Parameters<typeof trustlessRoutes>[0], log);
    for (const [prefix, answer] of Object.entries(answers)) {
      app.use(prefix, (req, res, next) => {
        const n = (asked.get(prefix) ?? 0) + 1;
        asked.set(prefix, n);
        if (!answer(n, res)) next();
      });
      app.use(prefix, gateway);
    }
    app.use('/plain', gateway);
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    releaseHeld();
    server?.closeAllConnections();
    server?.close();
  });

  it('waits out a 429 from a gateway at its bound of open CARs per client, then reads the file from it', CASE, async () => {
    // Another CAR of this client, held open: the peer's one place is taken.
    const req = http.get(`${base}/one-car/ipfs/${held.root.cid}?format=car`, { agent: false });
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    assert.equal(res.statusCode, 200);
    const peer = new PeerClient(`${base}/one-car`);
    const reading = readFile(m, open.root.cid, [peer]);
    // The held CAR ends within the wait the 429 asked for (1 s): asked again, the peer admits it.
    setTimeout(() => req.destroy(), 300);
    assert.deepEqual(await reading, open.bytes);
  });

  it('waits out a 503 whose Retry-After is an HTTP date, then takes the block', CASE, async () => {
    const peer = new PeerClient(`${base}/busy-until-date`);
    const bytes = await peer.block(open.blocks[1].cid);
    assert.deepEqual(Buffer.from(bytes!), Buffer.from(open.blocks[1].bytes));
    assert.equal(asked.get('/busy-until-date'), 2);
  });

  it(`asks a peer busy for ever ${MAX_BUSY_WAITS} more times, then fails it as before; a Retry-After of a minute fails it at once`, CASE, async () => {
    const forEver = new PeerClient(`${base}/busy-for-ever`);
    await assert.rejects(forEver.car(open.root.cid), (error: Error) => error instanceof PeerError && error.reason === 'http_error' && /429/.test(error.message));
    assert.equal(asked.get('/busy-for-ever'), 1 + MAX_BUSY_WAITS);
    const aMinute = new PeerClient(`${base}/busy-for-a-minute`);
    await assert.rejects(aMinute.car(open.root.cid), (error: Error) => error instanceof PeerError && error.reason === 'http_error');
    assert.equal(asked.get('/busy-for-a-minute'), 1);
  });

  it(`waits at most ${MAX_BUSY_TOTAL_MS / 1000} s in all for one request: a peer asking for 5 s again and again is waited out once`, CASE, async () => {
    const peer = new PeerClient(`${base}/chain-down`);
    const started = performance.now();
    await assert.rejects(peer.car(open.root.cid), (error: Error) => error instanceof PeerError && /busy still after 1 waits \(5 s\)/.test(error.message));
    assert.equal(asked.get('/chain-down'), 2);
    assert.ok(performance.now() - started < MAX_BUSY_TOTAL_MS + 2_000);
  });

  it('ends the wait at once when the client hangs up', CASE, async () => {
    const peer = new PeerClient(`${base}/busy-for-5s`);
    const took = await hangUpDuring((signal) => readFile(m, open.root.cid, [peer], { signal }));
    assert.ok(took < 500, `the wait went on ${took} ms after the client hung up`);
    assert.equal(asked.get('/busy-for-5s'), 1);
  });

  it('does not count the wait as the peer being slow', CASE, async () => {
    // A wait of 1 s against a rule that passes over a peer sending less than 1 KiB in 300 ms of
    // waiting on it, while another peer may be asked. The other peer lacks the file (a busy peer
    // is waited for only when no other serves): it is not slow, so the busy one is not the last
    // peer left that the rule would read at its pace.
    const busy = new PeerClient(`${base}/busy-once`);
    const other = new PeerClient(`${base}/lacks-everything`);
    const failures: string[] = [];
    const sent = new Set<PeerClient>();
    const bytes = await readFile(m, open.root.cid, [busy, other], {
      slow: { windowMs: 300, minBytes: 1024 },
      failed: (peer, reason) => failures.push(`${peer.url}: ${reason}`),
      received: (peer) => sent.add(peer),
    });
    assert.deepEqual(bytes, open.bytes);
    assert.deepEqual(failures, [`${busy.url}: busy`, `${other.url}: not_found`]);
    assert.deepEqual([...sent], [busy]);
    assert.equal(asked.get('/busy-once'), 2);
  });
});
