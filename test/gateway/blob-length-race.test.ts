// A download whose Content-Length was taken from the blob cache, the file evicted before it is
// opened: the blob is then streamed from IPFS, and must be of that length. Anyone can repoint a
// digest's record on chain at a longer CID that starts with bytes of their choosing; streamed up
// to the Content-Length, those bytes would look like a finished download (Node does not stop a
// body at its Content-Length, clients do), the hash failing only after it. No client may receive a
// complete body of wrong bytes: a CID of another length is passed over, and a verifying stream
// passes no byte past the length announced, failing (before its last byte) on a source longer or
// shorter than it. Driven through getBlob on Express with a real blob cache and VerifiedPairs, and
// a store and resolver in memory.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import type { GatewayContext } from '../../src/gateway/context';
import { ociErrorMiddleware } from '../../src/gateway/errors/middleware';
import { getBlob, headBlob } from '../../src/gateway/handlers/blobs';
import { parseName } from '../../src/gateway/oci/reference';
import type { Candidate, Resolver } from '../../src/gateway/resolve/resolver';
import { VerifiedContent } from '../../src/gateway/resolve/verified-content';
import { BlobCache } from '../../src/gateway/storage/blob-cache';
import type { GatewayBlobStore } from '../../src/gateway/storage/blob-store';
import { VerifiedPairs } from '../../src/gateway/storage/verified-pairs';

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const CHUNK = 256;

/** IPFS in memory: each CID's bytes in chunks of 256, and the size its root claims (its bytes' length unless told). */
class MemoryStore {
  readonly files = new Map<string, { bytes: Buffer; claimed: number }>();
  reads = 0;
  add(cid: string, bytes: Buffer, claimed = bytes.length): Candidate {
    this.files.set(cid, { bytes, claimed });
    return { cid, source: `test record ${cid}` };
  }
  asStore(): GatewayBlobStore {
    const missing = (cid: string) => Object.assign(new Error(`no ${cid}`), { name: 'BlobNotFoundError' });
    return {
      stat: async (cid: string) => {
        const file = this.files.get(cid);
        if (!file) throw missing(cid);
        return { size: file.claimed };
      },
      get: async (cid: string, range?: { offset: number; length: number }) => {
        const file = this.files.get(cid);
        if (!file) throw missing(cid);
        this.reads++;
        const bytes = range ? file.bytes.subarray(range.offset, range.offset + range.length) : file.bytes;
        const chunks: Buffer[] = [];
        for (let at = 0; at < bytes.length; at += CHUNK) chunks.push(bytes.subarray(at, at + CHUNK));
        return Readable.from(chunks);
      },
    } as unknown as GatewayBlobStore;
  }
}

interface World {
  readonly url: string;
  readonly store: MemoryStore;
  readonly cache: BlobCache;
  readonly content: VerifiedContent;
  /** The CIDs recorded for the digest, in the order the resolver gives them. */
  candidates: Candidate[];
  /** Evict the digest from the cache between the lookup that found it there and the opening of its file. */
  evictAfterLookup: boolean;
  close(): Promise<void>;
}

async function startWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'hcr-length-race-'));
  const store = new MemoryStore();
  const cache = new BlobCache(join(dir, 'cache'), 64 * 1024 * 1024);
  const world = { store, cache, candidates: [] as Candidate[], evictAfterLookup: false } as World;
  const resolver = { blobCandidates: async () => world.candidates } as unknown as Resolver;
  const content = new VerifiedContent({ store: store.asStore(), verified: new VerifiedPairs(join(dir, 'verified')), resolver, cache, manifestLimit: 4 * 1024 * 1024 });
  Object.assign(world, { content });
  // The handlers' view of the content: the cache's copy goes away just after it was found.
  const racing = Object.create(content) as VerifiedContent;
  racing.blob = async (...args: Parameters<VerifiedContent['blob']>) => {
    const found = await content.blob(...args);
    if (world.evictAfterLookup) await cache.remove(found.digest);
    return found;
  };
  racing.cachedFile = (blob) => content.cachedFile(blob);
  racing.stream = (...args: Parameters<VerifiedContent['stream']>) => content.stream(...args);
  const ctx = {
    access: { require: async () => undefined },
    resolver: { owner: async () => undefined },
    contents: { holds: async () => true, expectedSize: () => undefined },
    content: racing,
  } as unknown as GatewayContext;
  const app = express();
  // HEAD first: Express would otherwise hand HEAD to the GET route.
  app.head('/v2/acme/app/blobs/:digest', (req, res, next) => headBlob(ctx, req, res, { name: 'acme/app', digest: req.params.digest }).catch(next));
  app.get('/v2/acme/app/blobs/:digest', (req, res, next) => getBlob(ctx, req, res, { name: 'acme/app', digest: req.params.digest }).catch(next));
  app.use(ociErrorMiddleware(() => undefined));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  Object.assign(world, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  });
  return world;
}

/** Puts verified bytes in the blob cache, as a download or push that hashed them does. */
async function cacheBlob(cache: BlobCache, bytes: Buffer): Promise<void> {
  const file = cache.temporaryPath();
  writeFileSync(file, bytes);
  await cache.adopt(digestOf(bytes), file, bytes.length);
}

/** A GET as a client sees it: the status, and the body if it arrived complete (undefined if it was cut short). */
async function download(url: string): Promise<{ status: number; length: string | null; body?: Buffer }> {
  const response = await fetch(url);
  try {
    return { status: response.status, length: response.headers.get('content-length'), body: Buffer.from(await response.arrayBuffer()) };
  } catch {
    return { status: response.status, length: response.headers.get('content-length') };
  }
}

describe('a blob evicted from the cache between its size and its bytes', () => {
  let w: World;
  const honest = randomBytes(1000);
  const digest = digestOf(honest);
  /** The attacker's CID: bytes of their choosing, longer than the blob. */
  const planted = randomBytes(3000);

  before(async () => {
    w = await startWorld();
  });
  after(async () => {
    await w?.close();
  });

  it('never gives a complete body of a longer recorded CID\'s bytes: the download fails instead', async () => {
    await cacheBlob(w.cache, honest);
    w.evictAfterLookup = true;
    w.candidates = [w.store.add('bafy-planted-only', planted)];
    const got = await download(`${w.url}/v2/acme/app/blobs/${digest}`);
    assert.ok(!(got.status === 200 && got.body !== undefined), `the client took ${got.body?.length} bytes (Content-Length ${got.length}) for the blob: ${got.body?.equals(planted.subarray(0, honest.length)) ? 'the attacker\'s prefix' : 'other bytes'}`);
    assert.equal(got.status, 404);
    assert.match(got.body?.toString() ?? '', /BLOB_UNKNOWN/);
  });

  it('passes a longer CID over for one of the length announced, and serves the blob', async () => {
    await cacheBlob(w.cache, honest);
    w.evictAfterLookup = true;
    w.candidates = [w.store.add('bafy-planted-first', planted), w.store.add('bafy-honest', honest)];
    const got = await download(`${w.url}/v2/acme/app/blobs/${digest}`);
    assert.equal(got.status, 200);
    assert.equal(got.length, String(honest.length));
    assert.ok(got.body?.equals(honest), 'the body is the blob');
  });

  it('still serves the blob from the cache, and from IPFS once evicted (the honest case)', async () => {
    w.evictAfterLookup = false;
    w.candidates = [w.store.add('bafy-honest-2', honest)];
    await cacheBlob(w.cache, honest);
    const reads = w.store.reads;
    const fromCache = await download(`${w.url}/v2/acme/app/blobs/${digest}`);
    assert.equal(fromCache.status, 200);
    assert.ok(fromCache.body?.equals(honest));
    assert.equal(w.store.reads, reads, 'a cached blob is read from the cache');
    w.evictAfterLookup = true;
    const fromIpfs = await download(`${w.url}/v2/acme/app/blobs/${digest}`);
    assert.equal(fromIpfs.status, 200);
    assert.ok(fromIpfs.body?.equals(honest));
  });
});

describe('a verifying stream passes exactly the length announced', () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => {
    await w?.close();
  });

  /** What a stream passes before it ends or fails. */
  const drain = async (read: Readable) => {
    const chunks: Buffer[] = [];
    let failure: Error | undefined;
    try {
      for await (const chunk of read) chunks.push(chunk as Buffer);
    } catch (error) {
      failure = error as Error;
    }
    return { passed: Buffer.concat(chunks), failure };
  };

  it('fails a source longer than its CID claims before passing its last announced byte', async () => {
    const blob = randomBytes(1000);
    const digest = digestOf(blob);
    // A DAG whose root claims 1000 bytes and whose leaves hold 3000, the first 1000 of the attacker's choosing.
    w.store.add('bafy-long', randomBytes(3000), 1000);
    const found = { digest, cid: 'bafy-long', size: 1000, verified: false };
    const { passed, failure } = await drain(await w.content.stream(parseName('acme/app'), found));
    assert.ok(failure, 'the stream fails');
    assert.match(failure.message, /1000 bytes/);
    assert.ok(passed.length < 1000, `${passed.length} of the 1000 announced bytes went out`);
  });

  it('fails a source shorter than announced, even one whose bytes hash to the digest', async () => {
    const blob = randomBytes(900);
    w.store.add('bafy-short', blob, 1000);
    const found = { digest: digestOf(blob), cid: 'bafy-short', size: 1000, verified: false };
    const { passed, failure } = await drain(await w.content.stream(parseName('acme/app'), found));
    assert.ok(failure, 'the stream fails');
    assert.ok(passed.length < 900);
  });

  it('passes a source of exactly the length whose bytes match, whole', async () => {
    const blob = randomBytes(1000);
    w.store.add('bafy-exact', blob);
    const found = { digest: digestOf(blob), cid: 'bafy-exact', size: 1000, verified: false };
    const { passed, failure } = await drain(await w.content.stream(parseName('acme/app'), found));
    assert.equal(failure, undefined);
    assert.ok(passed.equals(blob));
  });
});

// HEAD's 200 is taken on trust (docker push skips a layer the registry says it has), so a CID not
// verified for the digest is hashed before HEAD answers; a blob held verified answers at once.
describe('HEAD of a blob', () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(async () => {
    await w?.close();
  });

  it('is 404 when the only recorded CID of the right size holds other bytes, as GET is', async () => {
    const blob = randomBytes(1000);
    const digest = digestOf(blob);
    w.candidates = [w.store.add('bafy-same-size', randomBytes(1000))];
    const head = await fetch(`${w.url}/v2/acme/app/blobs/${digest}`, { method: 'HEAD' });
    assert.equal(head.status, 404);
    assert.match(head.headers.get('content-type') ?? '', /application\/json/, 'the registry\'s error, not a route missed');
    const get = await fetch(`${w.url}/v2/acme/app/blobs/${digest}`);
    assert.equal(get.status, 404, 'the mismatch found by HEAD is remembered');
    assert.match(await get.text(), /BLOB_UNKNOWN/);
  });

  it('is 200 for a blob whose CID holds it, hashing it once and then answering without reading it', async () => {
    const blob = randomBytes(1000);
    const digest = digestOf(blob);
    w.candidates = [w.store.add('bafy-same-size-2', randomBytes(1000)), w.store.add('bafy-good', blob)];
    const first = await fetch(`${w.url}/v2/acme/app/blobs/${digest}`, { method: 'HEAD' });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('content-length'), '1000');
    const reads = w.store.reads;
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${w.url}/v2/acme/app/blobs/${digest}`, { method: 'HEAD' })).status, 200);
    // Held in the cache now; without it, the verified pair answers just as cheaply.
    await w.cache.remove(digest);
    assert.equal((await fetch(`${w.url}/v2/acme/app/blobs/${digest}`, { method: 'HEAD' })).status, 200);
    assert.equal(w.store.reads, reads, 'a blob held verified is not read again for HEAD');
  });
});
