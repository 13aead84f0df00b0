// What a gateway keeps of files it fetched from peers. A stranger may point a layer's digest at
// another file of the very same size: every block of it matches its CID, so the peer fetch
// stores and pins it, and only the digest check shows it is not the layer. That file must not
// stay pinned (a malicious peer and record could otherwise fill the store with junk, a failed
// pull at a time), while a file pinned before, or vouched for by another check, stays.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { storeDigestInfo, submitTx } from '../../src/chain';
import { type RunningGateway, startGateway } from '../../src/gateway';
import { FetchedPins } from '../../src/gateway/peers/fetched-pins';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { settledHead } from '../helpers/devnet';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { createBobsSpace, repointDigest } from './helpers/repoint';
import { makeImage, pushImage, randomBlob } from './helpers/oci-client';

async function eventually(what: string, check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, what);
    await delay(50);
  }
}

describe('files fetched from peers that fail their digest check', () => {
  let a: TestGateway;
  const dirs: string[] = [];
  const stores: EmbeddedBlobStore[] = [];
  const gateways: RunningGateway[] = [];

  /** A read-only gateway with a store of its own, fetching from A. */
  async function replicaOfA(options: { mirror?: string[] } = {}): Promise<{ url: string; store: EmbeddedBlobStore; logs: string[] }> {
    const dir = mkdtempSync(join(tmpdir(), 'hcr-peer-pins-'));
    dirs.push(dir);
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dir));
    stores.push(store);
    const logs: string[] = [];
    const gateway = await startGateway({ api: a.chain.api, blobStore: store, dataDir: dir, port: 0, auth: { enabled: false }, peers: [a.url], peerStallMs: 2_000, log: (line) => logs.push(line), ...options });
    gateways.push(gateway);
    return { url: gateway.url, store, logs };
  }

  const repoint = (digest: string, bytes: Buffer) => repointDigest(a, digest, bytes);

  before(async () => {
    a = await startTestGateway();
    await createBobsSpace(a);
  });
  after(async () => {
    for (const gateway of gateways) await gateway.close();
    for (const store of stores) await store.close().catch(() => undefined);
    await a?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('unpins a same-size file a pull fetched for a layer whose digest it fails', { timeout: 60_000 }, async () => {
    const image = makeImage([randomBlob(300 * 1024)]);
    assert.equal((await pushImage(a.url, 'acme/junk', 'v1', image)).status, 201);
    const layer = image.layers[0];
    const junk = await repoint(layer.digest, randomBlob(layer.bytes.length).bytes);
    const b = await replicaOfA();
    const body = await fetch(`${b.url}/v2/acme/junk/blobs/${layer.digest}`).then((pulled) => pulled.arrayBuffer()).then((bytes) => Buffer.from(bytes), () => undefined);
    assert.notDeepEqual(body, layer.bytes, 'no client takes the stranger\'s file for the layer');
    assert.equal(await b.store.has(junk), true, 'the file did come from the peer (every block matched its CID)');
    await eventually(`the stranger's file ${junk} is still pinned:\n${b.logs.join('\n')}`, async () => b.logs.some((line) => line.includes(`unpinned ${junk}`)));
    assert.equal(await b.store.isPinned(junk), false);
  });

  test('unpins the file a mirror fetched for a layer whose digest it fails', { timeout: 60_000 }, async () => {
    const image = makeImage([randomBlob(5000)]);
    assert.equal((await pushImage(a.url, 'acme/mirrored-junk', 'v1', image)).status, 201);
    const junk = await repoint(image.layers[0].digest, randomBlob(5000).bytes);
    const b = await replicaOfA({ mirror: ['acme'] });
    await eventually('the mirror tried the layer', async () => {
      const status = (await (await fetch(`${b.url}/mirror`)).json()) as { tags: { repository: string; state: string }[] };
      return status.tags.some((tag) => tag.repository === 'acme/mirrored-junk' && tag.state === 'missing');
    }, 30_000);
    assert.equal(await b.store.isPinned(junk), false, b.logs.join('\n'));
  });

  test('keeps a file pinned before, which a stranger then names as another layer of the same size', { timeout: 60_000 }, async () => {
    const image = makeImage([randomBlob(4000), randomBlob(4000)]);
    assert.equal((await pushImage(a.url, 'acme/shared', 'v1', image)).status, 201);
    const [first, second] = image.layers;
    const b = await replicaOfA();
    assert.deepEqual(Buffer.from(await (await fetch(`${b.url}/v2/acme/shared/blobs/${first.digest}`)).arrayBuffer()), first.bytes);
    // The second layer's digest now names the first layer's file, which B holds and pinned.
    const firstCid = (await a.store.put([first.bytes])).cid;
    await submitTx(a.chain.api, storeDigestInfo(a.chain.api, { repo: 'bobs', digest: second.digest, type: 'File', cid: firstCid }), a.keys.bob);
    await settledHead(a.chain.api);
    assert.equal(await b.store.isPinned(firstCid), true);
    // Cut short (the check fails at the file's end, before the response's headers for so small a file).
    await fetch(`${b.url}/v2/acme/shared/blobs/${second.digest}`).then((pulled) => pulled.arrayBuffer()).catch(() => undefined);
    await delay(200);
    assert.equal(await b.store.isPinned(firstCid), true, 'a failed check of another digest does not unpin a file kept for its own');
  });
});

describe('the verdicts on fetched files, concurrent', () => {
  function ledger(): { pins: FetchedPins; pinned: Set<string> } {
    const pinned = new Set<string>();
    const pins = new FetchedPins({ pin: async (cid) => void pinned.add(cid), unpin: async (cid) => void pinned.delete(cid) }, () => undefined);
    return { pins, pinned };
  }

  test('a file two fetches pinned stays when one check fails and the other matches, in either order', async () => {
    for (const order of ['bad first', 'good first'] as const) {
      const { pins, pinned } = ledger();
      const bad = pins.open('bafyx');
      const good = pins.open('bafyx');
      pinned.add('bafyx');
      await bad.stored(true);
      await good.stored(true);
      if (order === 'bad first') {
        await bad.checked(false);
        await good.checked(true);
      } else {
        await good.checked(true);
        await bad.checked(false);
      }
      assert.equal(pinned.has('bafyx'), true, order);
    }
  });

  test('a file let go after a failed check is pinned again when a check of another read matches it', async () => {
    const { pins, pinned } = ledger();
    const bad = pins.open('bafyx');
    pinned.add('bafyx');
    await bad.stored(true);
    await bad.checked(false);
    assert.equal(pinned.has('bafyx'), false);
    // Read from the local store (no fetch), and found to be another digest's content.
    await pins.matched('bafyx');
    assert.equal(pinned.has('bafyx'), true);
  });

  test('a failed check lets go of the file only once no other fetch of it is open, and never of one no fetch pinned', async () => {
    const { pins, pinned } = ledger();
    const first = pins.open('bafyx');
    const second = pins.open('bafyx');
    pinned.add('bafyx');
    await first.stored(true);
    await first.checked(false);
    assert.equal(pinned.has('bafyx'), true, 'the second fetch is still open');
    await second.stored(false);
    assert.equal(pinned.has('bafyx'), false, 'no fetch vouched for it');

    const { pins: other, pinned: held } = ledger();
    held.add('bafyy');
    const cut = other.open('bafyy');
    await cut.checked(false);
    await cut.stored(false);
    assert.equal(held.has('bafyy'), true, 'pinned otherwise, not by this fetch');
  });
});
