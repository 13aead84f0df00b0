// Anyone can record, for a manifest digest of their own, a CID that no one serves or that is
// served as slowly as a read's timeout allows: each read of it holds a content indexer worker for a
// minute or more. While every pass waited for all of its reads, a few such digests held the next
// pass, so the manifests everyone pushed meanwhile were not even discovered until the slowest read
// had ended, attempt after attempt. Reads now go on beside the passes: a free worker reads what
// is due next, new pushes first (src/content-index/content-indexer.ts). Here IPFS is the embedded
// store's Kubo API behind a relay that finds the stranger's CIDs and never sends their bytes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ipfsModules } from '../../src/ipfs/esm';
import { contentId, type ContentWorld, imageManifest, startContentWorld } from './helpers/content-world';
import { submit } from './helpers/submit';
import { waitFor } from './helpers/wait';

/** Fewer than the content indexer's workers (4): one stays free for everyone else. */
const SLOW_DIGESTS = 3;

let w: ContentWorld;
let relay: Server;
const hanging = new Set<string>();
let heldReads = 0;

/** Relays the Kubo API; the hanging CIDs are found, and their bytes never come until the reader gives up. */
function startRelay(upstream: string): Promise<Server> {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    const arg = url.searchParams.get('arg') ?? '';
    const cid = [...hanging].find((held) => arg.includes(held));
    if (cid && url.pathname.endsWith('/files/stat')) {
      // Found, as a provider that serves it makes it: a small file.
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ Hash: cid, Size: 1_000, CumulativeSize: 1_000, Blocks: 1, Type: 'file' }));
    }
    if (cid) {
      // Its bytes trickle in no faster than the read's timeout allows: none here.
      heldReads += 1;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.flushHeaders();
      req.resume();
      return;
    }
    const forward = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  w = await startContentWorld('slow_content_reads', {
    ipfsApi: async (kuboUrl) => {
      relay = await startRelay(kuboUrl);
      return `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    },
  });
});

after(async () => {
  relay?.closeAllConnections();
  await w?.close();
  await new Promise((resolve) => relay?.close(resolve));
});

test('digests whose bytes never come do not hold up the manifests pushed after them', async () => {
  const m = await ipfsModules();
  const cr = w.chain.api.tx.containerRegistry;
  const slow = [];
  for (let i = 0; i < SLOW_DIGESTS; i++) {
    const cid = m.CID.createV1(m.raw.code, await m.sha256.digest(randomBytes(16))).toString();
    hanging.add(cid);
    slow.push(cr.addManifestHeadDigestAndManifestJsonCid('tools', `slow${i}`, 'v1', `sha256:${randomBytes(32).toString('hex')}`, cid));
  }
  await submit(w.chain.api.tx.utility.batchAll(slow), w.a.ferdie, { finalized: true });
  await waitFor(async () => heldReads >= SLOW_DIGESTS, 'the stranger\'s CIDs to be read', 30_000);

  const good = imageManifest('pushed-after');
  await submit(cr.addManifestHeadDigestAndManifestJsonCid('tools', 'good', 'v1', good.digest, (await w.store.put([good.bytes])).cid), w.a.ferdie, { finalized: true });
  const started = Date.now();
  // A held read lasts the read timeout (a minute at least); a new push is read long before.
  await waitFor(async () => {
    const { rows } = await w.db.query('SELECT state FROM manifest_content WHERE id = $1', [contentId(good.digest)]);
    return rows[0]?.state === 'indexed';
  }, 'the manifest pushed after them to be indexed', 20_000);
  assert.ok(Date.now() - started < 20_000);
  assert.ok(heldReads >= SLOW_DIGESTS && heldReads < 2 * SLOW_DIGESTS, `${heldReads} reads of the stranger's CIDs: each is still being read, not again`);
});
