// A file a peer fetch stored is let go when its digest check fails, but not when a write here (a
// push, an upload, an import, the mirror) kept the same file meanwhile for its own sake: the pin
// is that write's, and the failed check says only that the file is not the other digest's blob.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { withPeers } from '../../src/gateway/peers/peer-store';
import type { GatewayBlobStore } from '../../src/gateway/storage/blob-store';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { makeImage, pushImage, randomBlob } from './helpers/oci-client';
import { createBobsSpace, repointDigest } from './helpers/repoint';

describe('a file kept here while a peer fetch of it fails its check', () => {
  let a: TestGateway;
  let dir: string;
  let store: EmbeddedBlobStore;
  let peered: GatewayBlobStore;
  const logs: string[] = [];

  before(async () => {
    a = await startTestGateway();
    await createBobsSpace(a);
    dir = mkdtempSync(join(tmpdir(), 'hcr-peer-pins-kept-'));
    store = await EmbeddedBlobStore.open(embeddedIpfsDir(dir));
    peered = withPeers(store, { peers: [a.url], stallMs: 2_000, log: (line) => logs.push(line) });
  });
  after(async () => {
    await store?.close().catch(() => undefined);
    await a?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Files of A's that a stranger's record names as layers they are not (recorded before A's first scan of chain storage). */
  const junks = new Map<string, { cid: string; bytes: Buffer }>();
  before(async () => {
    for (const [what, size] of [['pushed', 300 * 1024], ['pinned', 310 * 1024], ['nothing', 320 * 1024]] as const) {
      const image = makeImage([randomBlob(size)]);
      assert.equal((await pushImage(a.url, `acme/kept-${what}`, 'v1', image)).status, 201);
      const bytes = randomBlob(size).bytes;
      junks.set(what, { cid: await repointDigest(a, image.layers[0].digest, bytes), bytes });
    }
  });

  /** One of those files fetched here from A and read whole. */
  async function fetchedJunk(what: string): Promise<{ cid: string; bytes: Buffer; read: NodeJS.ReadableStream }> {
    const { cid, bytes } = junks.get(what)!;
    const read = await peered.get(cid);
    const chunks: Buffer[] = [];
    for await (const chunk of read) chunks.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(chunks), bytes, 'the peer sent the file, every block matching its CID');
    return { cid, bytes, read };
  }

  for (const [how, keep] of [
    ['pushed (stored and pinned)', (junk: { bytes: Buffer }) => peered.put([junk.bytes]).then(() => undefined)],
    ['pinned (the mirror, a manifest push)', (junk: { cid: string }) => peered.pin(junk.cid)],
  ] as const) {
    test(`stays pinned when ${how} here before the fetch's check fails`, { timeout: 60_000 }, async () => {
      const junk = await fetchedJunk(how.startsWith('pushed') ? 'pushed' : 'pinned');
      await keep(junk as never);
      await peered.checked!(junk.cid, junk.read as never, false);
      assert.equal(await store.isPinned(junk.cid), true, `a failed check of a peer fetch unpinned a file kept here:\n${logs.join('\n')}`);
    });
  }

  test('a fetched file nothing here kept is still let go when its check fails', { timeout: 60_000 }, async () => {
    const junk = await fetchedJunk('nothing');
    await peered.checked!(junk.cid, junk.read as never, false);
    assert.equal(await store.isPinned(junk.cid), false);
  });
});
