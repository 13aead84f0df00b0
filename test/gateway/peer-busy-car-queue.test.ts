// The bound on CARs asked of one peer at once (car-slots.ts) keeps a trustless gateway's 429s
// (busy-peer.ts) from being met in the first place. The peer counts CARs by client address, so
// the bound is one queue for everything this gateway asks of that origin: every fetch of every
// file, and every peer URL at that origin (two replicas behind one address, under two paths).
// A small HTTP peer holds CAR requests open and counts them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CARS_AT_ONCE } from '../../src/gateway/peers/car-slots';
import { type PeerBlobStore, withPeers } from '../../src/gateway/peers/peer-store';
import { BlobNotFoundError, EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { rawBlock } from './helpers/dag';

/** Files fetched at once: more than one origin's bound, fewer than two. */
const FILES = 20;
/** The files `/a` holds open; it has none of the others (404), which `/b` then holds open. */
const HELD_BY_A = 10;

describe('CARs asked of one peer origin at once', () => {
  const held: http.ServerResponse[] = [];
  const heldNow = { '/a': 0, '/b': 0 };
  let mostHeld = 0;
  let answering = false;
  let heldByA: Set<string>;
  let server: http.Server;
  let dir: string;
  let store: EmbeddedBlobStore;
  let peered: PeerBlobStore;

  before(async () => {
    server = http.createServer((req, res) => {
      const [prefix, path] = [req.url!.slice(0, 2) as '/a' | '/b', req.url!.slice(2).split('?')[0]];
      if (answering || (prefix === '/a' && !heldByA.has(path))) return void res.writeHead(404).end();
      heldNow[prefix]++;
      mostHeld = Math.max(mostHeld, heldNow['/a'] + heldNow['/b']);
      res.on('close', () => heldNow[prefix]--);
      held.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'hcr-peer-car-queue-'));
    store = await EmbeddedBlobStore.open(embeddedIpfsDir(dir));
    peered = withPeers(store, { peers: [`${origin}/a`, `${origin}/b`], log: () => undefined });
  });

  after(async () => {
    answering = true;
    for (const res of held.splice(0)) res.destroy();
    server?.closeAllConnections();
    server?.close();
    await store?.close().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`holds every fetch to one origin, under any of its peer URLs, to ${DEFAULT_CARS_AT_ONCE} CARs at once`, { timeout: 30_000 }, async () => {
    const cids = await Promise.all(Array.from({ length: FILES }, (_, i) => rawBlock(new Uint8Array([i, 7])).then((block) => block.cid.toString())));
    heldByA = new Set(cids.slice(0, HELD_BY_A).map((cid) => `/ipfs/${cid}`));
    // Each file's own fetch (a cold stat starts the fetch a whole read would join).
    const fetches = cids.map((cid) => peered.stat(cid));
    fetches.forEach((fetching) => fetching.catch(() => undefined));
    for (let waited = 0; held.length < DEFAULT_CARS_AT_ONCE && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    // Time for any request past the bound to reach the peer.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(mostHeld, DEFAULT_CARS_AT_ONCE, `the origin had ${mostHeld} CARs open at once (${heldNow['/a']} under /a, ${heldNow['/b']} under /b)`);
    assert.equal(heldNow['/a'], HELD_BY_A);
    assert.equal(heldNow['/b'], DEFAULT_CARS_AT_ONCE - HELD_BY_A, 'the fetches that went on to /b share what /a left of the bound');
    // Places freed go to the fetches still queued: every one of them ends.
    answering = true;
    for (const res of held.splice(0)) res.writeHead(404).end();
    for (const fetching of fetches) await assert.rejects(fetching, (error: Error) => error instanceof BlobNotFoundError);
    assert.equal(mostHeld, DEFAULT_CARS_AT_ONCE);
  });
});
