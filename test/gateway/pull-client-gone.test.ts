// A client that hangs up in the middle of a blob's first pull (its bytes not verified yet, so
// they are hashed as they pass) must end what was reading them: the peer fetch, its connection
// to the peer (and the peer's answer) and its write into the store. Left paused instead, each
// aborted pull would hold them for good, and a client repeating it would run both gateways out
// of sockets. What such a fetch left here is part of the file: the next pull is served from the
// peers, not cut short by the missing rest.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestInfo } from '../../src/chain';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { type RunningGateway, startGateway } from '../../src/gateway';
import { makeImage, pushImage, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { until } from './helpers/mirror-world';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads the first bytes of a blob, then hangs up. */
async function pullAndHangUp(url: string, digest: string): Promise<void> {
  const controller = new AbortController();
  const response = await fetch(`${url}/v2/acme/web/blobs/${digest}`, { signal: controller.signal });
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  await reader.read();
  controller.abort();
  await reader.closed.catch(() => undefined);
}

/** A GET's whole body, on a new connection. */
function getWhole(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks)));
      response.on('error', reject);
    }).on('error', reject);
  });
}

describe('a client that hangs up mid-pull', () => {
  let a: TestGateway;
  let image: ImageParts;
  const dirs: string[] = [];
  const gateways: RunningGateway[] = [];
  const stores: EmbeddedBlobStore[] = [];

  before(async () => {
    a = await startTestGateway();
    // Far more than the buffers between the peer and the client hold: the pull cannot finish by itself.
    image = makeImage([randomBlob(24 * 1024 * 1024)]);
    await pushImage(a.url, 'acme/web', 'v1', image);
  });
  after(async () => {
    for (const gateway of gateways) await gateway.close();
    for (const store of stores) await store.close().catch(() => undefined);
    await a?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A read-only gateway with a store of its own, fetching from A. */
  async function peered(): Promise<{ url: string; store: EmbeddedBlobStore; logs: string[] }> {
    const dir = mkdtempSync(join(tmpdir(), 'hcr-client-gone-'));
    dirs.push(dir);
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dir));
    stores.push(store);
    const logs: string[] = [];
    const gateway = await startGateway({ api: a.chain.api, blobStore: store, dataDir: dir, port: 0, auth: { enabled: false }, peers: [a.url], log: (line) => logs.push(line) });
    gateways.push(gateway);
    return { url: gateway.url, store, logs };
  }

  it('ends the peer fetch it started: the connection to the peer and the store write are let go', { timeout: 60_000 }, async () => {
    const b = await peered();
    const layer = image.layers[0];
    const cid = (await digestInfo(a.chain.api, layer.digest))!.cid.text!;
    await pullAndHangUp(b.url, layer.digest);
    await until('the abandoned peer fetch to end', () => b.logs.some((line) => line.includes(`${cid} from peers was not kept`)), (ended) => ended, 15_000);
    assert.equal(await b.store.isPinned(cid), false, 'a file fetched in part is not kept');
  });

  it('serves the next pull whole from the peers, though the abandoned fetch left part of the file here', { timeout: 60_000 }, async () => {
    const b = await peered();
    const layer = image.layers[0];
    const cid = (await digestInfo(a.chain.api, layer.digest))!.cid.text!;
    await pullAndHangUp(b.url, layer.digest);
    // The root and some blocks are here now, unpinned.
    for (const deadline = Date.now() + 10_000; !(await b.store.getBlock(cid).then(() => true, () => false)); await delay(20)) {
      assert.ok(Date.now() < deadline, 'the abandoned fetch stored the root');
    }
    assert.equal(await b.store.has(cid), false);
    // On a connection of its own: the one hung up on is not reused.
    assert.deepEqual(await getWhole(`${b.url}/v2/acme/web/blobs/${layer.digest}`), layer.bytes);
    for (const deadline = Date.now() + 15_000; !(await b.store.isPinned(cid)); await delay(50)) {
      assert.ok(Date.now() < deadline, 'the file fetched whole is kept');
    }
  });
});
