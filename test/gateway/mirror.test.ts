// A live mirror against what a space member may push: indexes that list the same manifest many
// times over, which must not make a pass endless for the tags behind them, and a tag moved to
// content no peer can send, which the status must name by the digest it now points at; and who
// may read the status.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { createLoginToken } from '../../src/gateway';
import type { MirrorStatus } from '../../src/gateway/mirror/mirror';
import { settledHead } from '../helpers/devnet';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { blobOf, makeImage, OCI_INDEX, OCI_MANIFEST, pushImage, pushManifest, randomBlob } from './helpers/oci-client';

async function statusOf(url: string): Promise<MirrorStatus> {
  return (await (await fetch(`${url}/mirror`)).json()) as MirrorStatus;
}

async function until(url: string, what: string, done: (status: MirrorStatus) => boolean, ms = 30_000): Promise<MirrorStatus> {
  const deadline = Date.now() + ms;
  for (;;) {
    const status = await statusOf(url);
    if (done(status)) return status;
    assert.ok(Date.now() < deadline, `${what}; the mirror says ${JSON.stringify(status)}`);
    await delay(250);
  }
}

describe('a live mirror and what members push', () => {
  let a: TestGateway;
  const dirs: string[] = [];
  const stores: EmbeddedBlobStore[] = [];
  before(async () => {
    a = await startTestGateway();
  });
  after(async () => {
    await a?.close();
    for (const store of stores) await store.close().catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('mirrors a chain of indexes that each list the one below twice, and the tags behind it, in one short pass', { timeout: 120_000 }, async () => {
    const base = makeImage([randomBlob(1024)]);
    assert.equal((await pushImage(a.url, 'acme/nested', 'base', base)).status, 201);
    // 2^24 paths from the top to the base manifest, through 24 distinct indexes.
    let child = { mediaType: OCI_MANIFEST, digest: base.manifest.digest, size: base.manifest.size };
    for (let depth = 1; depth <= 24; depth++) {
      const index = blobOf(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child, child] }));
      const pushed = await pushManifest(a.url, 'acme/nested', depth === 24 ? 'deep' : index.digest, index, OCI_INDEX);
      assert.equal(pushed.status, 201, await pushed.text());
      child = { mediaType: OCI_INDEX, digest: index.digest, size: index.size };
    }
    // A tag of another image, mirrored in the same pass after the deep one.
    const later = makeImage([randomBlob(2048)]);
    assert.equal((await pushImage(a.url, 'acme/zzz-later', 'v1', later)).status, 201);
    await settledHead(a.chain.api);
    const mirror = await a.startReplica({ mirror: ['acme'] });
    const status = await until(mirror.url, 'a pass ends with every tag mirrored', (s) => s.lastPass !== undefined && s.tags.length >= 3 && s.missing === 0);
    const shown = new Map(status.tags.map((t) => [`${t.repository}:${t.tag}`, t]));
    assert.equal(shown.get('acme/nested:deep')?.state, 'mirrored');
    assert.equal(shown.get('acme/zzz-later:v1')?.digest, later.manifest.digest);
  });

  test('names the digest a moved tag now points at when no peer can send it', { timeout: 120_000 }, async () => {
    const v1 = makeImage([randomBlob(4096)]);
    assert.equal((await pushImage(a.url, 'acme/moving', 'v1', v1)).status, 201);
    // A's trustless endpoint behind a switch: once off, the mirror's only peer has nothing.
    let serving = true;
    const proxy = http.createServer(async (req, res) => {
      if (!serving) return void res.writeHead(404).end();
      const answer = await fetch(`${a.url}${req.url}`, { headers: { Accept: String(req.headers.accept ?? '*/*') } });
      res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/octet-stream' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const dir = mkdtempSync(join(tmpdir(), 'hcr-mirror-own-store-'));
      dirs.push(dir);
      const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dir));
      stores.push(store);
      const mirror = await a.startReplica({ blobStore: store, peers: [`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`], peerStallMs: 1_000, mirror: ['acme'] });
      await until(mirror.url, 'v1 is mirrored', (s) => s.tags.some((t) => t.repository === 'acme/moving' && t.state === 'mirrored' && t.digest === v1.manifest.digest));
      serving = false;
      const v2 = makeImage([randomBlob(4096)]);
      assert.equal((await pushImage(a.url, 'acme/moving', 'v1', v2)).status, 201);
      const status = await until(mirror.url, 'the moved tag is missing', (s) => s.tags.some((t) => t.repository === 'acme/moving' && t.state === 'missing'));
      const moved = status.tags.find((t) => t.repository === 'acme/moving')!;
      assert.equal(moved.digest, v2.manifest.digest, 'the status names what the tag points at now');
      assert.ok(moved.error, 'and says why it is missing');
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  test('shows its status only to a client with a token where anonymous pulls are off', async () => {
    const mirror = await a.startReplica({ mirror: ['acme'], auth: { anonymousPull: false } });
    const anonymous = await fetch(`${mirror.url}/mirror`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+\/token"/);
    assert.equal(((await anonymous.json()) as { errors: { code: string }[] }).errors[0].code, 'UNAUTHORIZED');

    const login = await createLoginToken(a.keys.alice, mirror.service);
    const basic = `Basic ${Buffer.from(`${a.keys.alice.address}:${login}`).toString('base64')}`;
    const { token } = (await (await fetch(`${mirror.url}/token?service=${encodeURIComponent(mirror.service)}`, { headers: { Authorization: basic } })).json()) as { token: string };
    const shown = await fetch(`${mirror.url}/mirror`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(shown.status, 200);
    assert.deepEqual(((await shown.json()) as MirrorStatus).spaces, ['acme']);
  });
});
