// A busy peer (429 or 503 with a short Retry-After) is asked after the other peers, not waited
// out before them: a pull whose first peer is busy comes from the next one at once, a whole file
// (verifiedFile) as a block alone (blockFromPeers). The busy peer is asked again, once its wait is
// over, only when no other peer serves, within the same bounds as before (a few waits, 6 s in
// all); with no other peer it is waited out as before; a client that hangs up ends that wait at
// once. A peer busy in one fetch is asked after the others by the fetches that start while its
// wait lasts. A real trustless gateway's routes behind small prefixes that answer busy.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import express from 'express';
import type { CID } from 'multiformats/cid';
import { type IpfsModules, ipfsModules } from '../../src/ipfs/esm';
import { BlobNotFoundError } from '../../src/ipfs';
import { MAX_BUSY_TOTAL_MS } from '../../src/gateway/peers/busy-peer';
import { PeerClient, type PeerFailure } from '../../src/gateway/peers/peer-client';
import { blockFromPeers, verifiedFile } from '../../src/gateway/peers/verified-dag';
import { trustlessRoutes } from '../../src/gateway/trustless/routes';
import { type Block, rawBlock, unixfsNode } from './helpers/dag';
import { hangUpDuring } from './helpers/hang-up';
import { everyCidRecorded, heldBlocksStore, listenOnLoopback } from './helpers/trustless-route';

const CASE = { timeout: 30_000 };
/** Well under the 5 s the busy peers ask for: the pull did not wait for them. */
const AT_ONCE_MS = 2_000;

async function file(fill: number): Promise<{ root: Block; blocks: Block[]; bytes: Buffer }> {
  const leaves = [await rawBlock(new Uint8Array(4096).fill(fill)), await rawBlock(new Uint8Array(4096).fill(fill + 1))];
  const root = await unixfsNode('file', leaves.map((leaf) => ({ cid: leaf.cid, size: 4096 })));
  return { root, blocks: [root, ...leaves], bytes: Buffer.concat(leaves.map((leaf) => leaf.bytes)) };
}

describe('a busy peer is asked after the others', () => {
  let m: IpfsModules;
  let server: http.Server;
  let base: string;
  let content: Awaited<ReturnType<typeof file>>;
  /** GETs each prefix has had. */
  const asked = new Map<string, number>();
  /** How a prefix answers its requests before it lets them through to the gateway (or for ever). */
  const answers: Record<string, (n: number, res: express.Response) => boolean> = {
    '/busy-5s': (_, res) => !!res.set('Retry-After', '5').status(429).end('busy'),
    '/chain-down': (_, res) => !!res.set('Retry-After', '5').status(503).end('the chain cannot be reached'),
    '/busy-once': (n, res) => n === 1 && !!res.set('Retry-After', '1').status(429).end('busy'),
    '/busy-once-block': (n, res) => n === 1 && !!res.set('Retry-After', '1').status(503).end('not yet'),
    '/lone-busy-block': (_, res) => !!res.set('Retry-After', '5').status(429).end('busy'),
  };
  const peer = (prefix: string) => new PeerClient(`${base}${prefix}`);
  const failuresOf = (list: string[]) => ({ failed: (p: PeerClient, reason: PeerFailure) => list.push(`${p.url}: ${reason}`), received: () => undefined });

  async function readFile(root: CID, peers: PeerClient[], options: { signal?: AbortSignal; failures?: string[] } = {}): Promise<Buffer> {
    const pieces: Uint8Array[] = [];
    for await (const block of verifiedFile(m, root, peers, () => undefined, options.signal, failuresOf(options.failures ?? []))) if (block.data) pieces.push(block.data);
    return Buffer.concat(pieces);
  }

  before(async () => {
    m = await ipfsModules();
    content = await file(5);
    const store = await heldBlocksStore(new Map(content.blocks.map((b) => [b.cid.toString(), b.bytes])));
    const log = () => undefined;
    const gateway = trustlessRoutes({ store, recorded: everyCidRecorded, log } as Parameters<typeof trustlessRoutes>[0], log);
    const app = express();
    for (const [prefix, answer] of Object.entries(answers)) {
      app.use(prefix, (_req, res, next) => {
        const n = (asked.get(prefix) ?? 0) + 1;
        asked.set(prefix, n);
        if (!answer(n, res)) next();
      });
      app.use(prefix, gateway);
    }
    app.use('/plain', gateway);
    // Any other prefix is a peer that has nothing (404).
    ({ server, base } = await listenOnLoopback(app));
  });

  after(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('reads a file from the next peer at once when the first answers 429 with Retry-After: 5', CASE, async () => {
    const before = asked.get('/busy-5s') ?? 0;
    const failures: string[] = [];
    const busy = peer('/busy-5s');
    const started = performance.now();
    assert.deepEqual(await readFile(content.root.cid, [busy, peer('/plain')], { failures }), content.bytes);
    const took = performance.now() - started;
    assert.ok(took < AT_ONCE_MS, `the file took ${Math.round(took)} ms: the busy peer was waited for first`);
    assert.equal((asked.get('/busy-5s') ?? 0) - before, 1, 'the busy peer was asked once, not again once the other served');
    assert.deepEqual(failures, [`${busy.url}: busy`]);
  });

  it('asks a peer busy in one fetch after the others in the next ones too, while its wait lasts', CASE, async () => {
    const busy = peer('/busy-5s');
    const plain = peer('/plain');
    assert.deepEqual(await readFile(content.root.cid, [busy, plain]), content.bytes);
    const before = asked.get('/busy-5s') ?? 0;
    // A pull of many layers: each a fetch of its own, through the same peers.
    for (let layer = 0; layer < 3; layer++) assert.deepEqual(await readFile(content.root.cid, [busy, plain]), content.bytes);
    const { bytes } = await blockFromPeers(m, content.blocks[1].cid, [busy, plain]);
    assert.deepEqual(Buffer.from(bytes!), Buffer.from(content.blocks[1].bytes));
    assert.equal((asked.get('/busy-5s') ?? 0) - before, 0, 'the busy peer was asked again, first, within the wait it asked for');
  });

  it('takes a block alone from the next peer at once when the first answers 503 with Retry-After: 5', CASE, async () => {
    const before = asked.get('/chain-down') ?? 0;
    const failures: string[] = [];
    const busy = peer('/chain-down');
    const started = performance.now();
    const { bytes } = await blockFromPeers(m, content.blocks[1].cid, [busy, peer('/plain')], { observer: failuresOf(failures) });
    const took = performance.now() - started;
    assert.deepEqual(Buffer.from(bytes!), Buffer.from(content.blocks[1].bytes));
    assert.ok(took < AT_ONCE_MS, `the block took ${Math.round(took)} ms: the busy peer was waited for first`);
    assert.equal((asked.get('/chain-down') ?? 0) - before, 1);
    assert.deepEqual(failures, [`${busy.url}: busy`]);
  });

  it('asks the busy peer again after its Retry-After when no other peer has the file, and reads it from it', CASE, async () => {
    const failures: string[] = [];
    const busy = peer('/busy-once');
    const lacking = peer('/lacks-everything');
    const started = performance.now();
    assert.deepEqual(await readFile(content.root.cid, [busy, lacking], { failures }), content.bytes);
    assert.ok(performance.now() - started >= 900, 'the busy peer was asked again before its Retry-After was over');
    assert.equal(asked.get('/busy-once'), 2);
    assert.deepEqual(failures, [`${busy.url}: busy`, `${lacking.url}: not_found`]);
  });

  it('asks the busy peer again for a block alone when no other peer has it', CASE, async () => {
    const started = performance.now();
    const { bytes, failures } = await blockFromPeers(m, content.blocks[2].cid, [peer('/busy-once-block'), peer('/lacks-everything')]);
    assert.deepEqual(Buffer.from(bytes!), Buffer.from(content.blocks[2].bytes));
    assert.ok(performance.now() - started >= 900, 'the busy peer was asked again before its Retry-After was over');
    assert.equal(asked.get('/busy-once-block'), 2);
    assert.equal(failures.length, 1, failures.join('; '));
  });

  it(`fails within the same bounds when every peer stays busy (${MAX_BUSY_TOTAL_MS / 1000} s of waits per request)`, CASE, async () => {
    const before = { chain: asked.get('/chain-down') ?? 0, busy: asked.get('/busy-5s') ?? 0 };
    const started = performance.now();
    await assert.rejects(readFile(content.root.cid, [peer('/chain-down'), peer('/busy-5s')]), (error: Error) => error instanceof BlobNotFoundError && /busy still after 1 waits/.test(error.message));
    const took = performance.now() - started;
    // Both busy answers' waits run together: about 5 s, not 5 s for each peer in turn.
    assert.ok(took >= 4_500 && took < MAX_BUSY_TOTAL_MS + 2_000, `took ${Math.round(took)} ms`);
    assert.equal((asked.get('/chain-down') ?? 0) - before.chain, 2);
    assert.equal((asked.get('/busy-5s') ?? 0) - before.busy, 2);
  });

  it('waits out a busy peer that is the only one, as before, within the same bounds', CASE, async () => {
    const failures: string[] = [];
    const started = performance.now();
    const { bytes } = await blockFromPeers(m, content.blocks[1].cid, [peer('/lone-busy-block')], { observer: failuresOf(failures) });
    const took = performance.now() - started;
    assert.equal(bytes, undefined);
    assert.ok(took >= 4_500 && took < MAX_BUSY_TOTAL_MS + 2_000, `took ${Math.round(took)} ms`);
    assert.equal(asked.get('/lone-busy-block'), 2);
    // The one wait, then the answer past the bounds.
    assert.deepEqual(failures, [`${base}/lone-busy-block: busy`, `${base}/lone-busy-block: http_error`]);
  });

  it('ends the wait for a busy peer asked again at once when the client hangs up', CASE, async () => {
    const lacking = peer('/lacks-everything');
    const fileTook = await hangUpDuring((signal) => readFile(content.root.cid, [peer('/busy-5s'), lacking], { signal }));
    assert.ok(fileTook < 500, `the file's wait went on ${Math.round(fileTook)} ms after the client hung up`);
    const blockTook = await hangUpDuring((signal) => blockFromPeers(m, content.blocks[1].cid, [peer('/busy-5s'), lacking], { signal }));
    assert.ok(blockTook < 500, `the block's wait went on ${Math.round(blockTook)} ms after the client hung up`);
  });
});
