// A blob GET answered from the blob cache must announce the cached file's own length. The lookup
// that comes before it (VerifiedContent.blob) may find the digest not cached yet and pass on the
// first plausible CID recorded for it, unverified, with that CID's size: anyone may record a CID
// for any digest (DigestInfoStorage is global, the last writer wins), and where no manifest of
// the repository gives the blob's size (a root manifest read through the blobs endpoint, a blob
// only uploaded or mounted) nothing checks that size. When the verified bytes reach the cache
// between that lookup and the opening of the file (a download or push of the same digest ending
// meanwhile), the cached file was served at the stranger's size: a longer one cut the download
// short ("the file ended early"), a shorter one gave a complete 200 of a prefix of the blob, and
// a range answered with a Content-Range of the stranger's total. Against the in-process gateway
// and dev chain; the race is made certain by letting the cache gain the file right after the
// lookup, as the download that verified it would.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { addManifest, batchAll, createSpace, storeDigestInfo, submitTx } from '../../src/chain';
import type { VerifiedContent } from '../../src/gateway/resolve/verified-content';
import { settledHead } from '../helpers/devnet';
import { makeImage, randomBlob, type Blob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

/** A GET as a client sees it: the status, the length headers, and the body if it arrived complete (undefined if it was cut short). */
async function download(url: string, headers: Record<string, string> = {}): Promise<{ status: number; length: string | null; range: string | null; body?: Buffer }> {
  const response = await fetch(url, { headers });
  const seen = { status: response.status, length: response.headers.get('content-length'), range: response.headers.get('content-range') };
  try {
    return { ...seen, body: Buffer.from(await response.arrayBuffer()) };
  } catch {
    return seen;
  }
}

describe('a cached blob is served at its own length, not at the size of a CID a stranger recorded', () => {
  let t: TestGateway;
  // The owner's image, recorded on chain as a push elsewhere would: its manifest is a root of
  // acme/app (a tag names it), so no descriptor gives its size when it is read as a blob.
  const image = makeImage([randomBlob(300)]);
  const manifest: Blob = image.manifest;
  const url = () => `${t.url}/v2/acme/app/blobs/${manifest.digest}`;
  /** The file the cache gains right after the next lookup of the manifest's digest (the download that verified it ending). */
  let fillAfterLookup: Buffer | undefined;

  /** Bob, owner of another space, points the manifest's digest at a file of `size` bytes. */
  async function repoint(size: number): Promise<void> {
    const api = t.chain.api;
    const cid = (await t.store.put([randomBytes(size)])).cid;
    await submitTx(api, storeDigestInfo(api, { repo: 'bobs', digest: manifest.digest, type: 'File', cid }), t.keys.bob);
    await settledHead(api);
  }

  /** A GET after Bob points the digest at `recordedSize` bytes, the cache gaining the verified file right after its lookup. */
  async function downloadRacing(recordedSize: number, headers: Record<string, string> = {}) {
    await repoint(recordedSize);
    await t.gateway.gateway.context.cache.remove(manifest.digest);
    fillAfterLookup = manifest.bytes;
    const got = await download(url(), headers);
    assert.equal(fillAfterLookup, undefined, 'the cache was filled after the lookup');
    return got;
  }

  before(async () => {
    t = await startTestGateway();
    const api = t.chain.api;
    const cidOf = async (blob: Blob) => (await t.store.put([blob.bytes])).cid;
    await submitTx(
      api,
      batchAll(api, [
        storeDigestInfo(api, { repo: 'acme', digest: image.config.digest, type: 'File', cid: await cidOf(image.config) }),
        storeDigestInfo(api, { repo: 'acme', digest: image.layers[0].digest, type: 'File', cid: await cidOf(image.layers[0]) }),
        addManifest(api, { repo: 'acme', image: 'app', tag: 'v1', digest: manifest.digest, cid: await cidOf(manifest) }),
      ]),
      t.keys.alice,
    );
    await submitTx(api, createSpace(api, 'bobs'), t.keys.bob);
    await settledHead(api);
    const { content, cache } = t.gateway.gateway.context;
    const lookup = content.blob.bind(content);
    content.blob = async (...args: Parameters<VerifiedContent['blob']>) => {
      const found = await lookup(...args);
      const bytes = fillAfterLookup;
      if (bytes && args[1] === manifest.digest) {
        fillAfterLookup = undefined;
        const file = cache.temporaryPath();
        writeFileSync(file, bytes);
        await cache.adopt(manifest.digest, file, bytes.length);
      }
      return found;
    };
  });
  after(async () => {
    await t?.close();
  });

  it('a whole GET announces the cached length when the recorded CID is longer, and the download completes', async () => {
    const got = await downloadRacing(manifest.size * 3);
    assert.equal(got.status, 200);
    assert.equal(got.length, String(manifest.size), `Content-Length ${got.length} for a blob of ${manifest.size} bytes`);
    assert.ok(got.body?.equals(manifest.bytes), got.body ? `the body is ${got.body.length} bytes, not the blob` : 'the download was cut short');
  });

  it('a whole GET never gives a complete body shorter than the blob when the recorded CID is shorter', async () => {
    const got = await downloadRacing(Math.floor(manifest.size / 3));
    assert.equal(got.status, 200);
    assert.equal(got.length, String(manifest.size), `Content-Length ${got.length} for a blob of ${manifest.size} bytes`);
    assert.ok(got.body?.equals(manifest.bytes), `the client took ${got.body?.length} bytes for the blob`);
  });

  it('a range GET gives the cached length as the Content-Range total', async () => {
    const got = await downloadRacing(manifest.size * 2, { Range: 'bytes=10-' });
    assert.equal(got.status, 206);
    assert.equal(got.range, `bytes 10-${manifest.size - 1}/${manifest.size}`);
    assert.equal(got.length, String(manifest.size - 10));
    assert.ok(got.body?.equals(manifest.bytes.subarray(10)), got.body ? `the body is ${got.body.length} bytes` : 'the download was cut short');
  });

  it('still serves a blob cached before its lookup, and HEAD gives its length', async () => {
    fillAfterLookup = undefined;
    const got = await download(url());
    assert.equal(got.status, 200);
    assert.equal(got.length, String(manifest.size));
    assert.ok(got.body?.equals(manifest.bytes));
    const head = await fetch(url(), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(manifest.size));
  });

  it('passes over a recorded CID of no bytes for a digest that is not the empty content\'s', async () => {
    // No bytes have one digest only (sha256:e3b0…): such a CID is surely not this blob, and was
    // answered as a complete, empty 200 when nothing was cached.
    await repoint(0);
    await t.gateway.gateway.context.cache.remove(manifest.digest);
    // The owner's record of the manifest is no blob record: with the stranger's passed over, none is left.
    const got = await download(url());
    assert.equal(got.status, 404, `${got.status}, Content-Length ${got.length}, for a blob of ${manifest.size} bytes`);
  });
});
