// A manifest lookup that meets a CID larger than any manifest: it passes the CID over without
// taking it for any digest. Anyone can record such a CID under the empty content's digest (which
// is what the first bytes read of nothing would hash to), or ask for a layer's digest as a
// manifest; neither may leave a (digest, CID) pair marked verified or mismatched.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { parseName } from '../../src/gateway/oci/reference';
import type { Resolver } from '../../src/gateway/resolve/resolver';
import { VerifiedContent } from '../../src/gateway/resolve/verified-content';
import type { BlobCache } from '../../src/gateway/storage/blob-cache';
import type { GatewayBlobStore } from '../../src/gateway/storage/blob-store';
import { VerifiedPairs } from '../../src/gateway/storage/verified-pairs';

const MANIFEST_LIMIT = 4 * 1024 * 1024;
const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const EMPTY_DIGEST = sha256(new Uint8Array(0));
const dir = mkdtempSync(join(tmpdir(), 'hcr-oversized-candidate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Content over the records of one CID, 5 MiB in 1 MiB pieces, read from a store that holds only it. */
function contentOver(cid: string, bytes: Buffer, file: string) {
  const store = {
    get: async (asked: string) => {
      assert.equal(asked, cid);
      return Readable.from(Array.from({ length: bytes.length / 2 ** 20 }, (_, i) => bytes.subarray(i * 2 ** 20, (i + 1) * 2 ** 20)));
    },
    stat: async () => ({ size: bytes.length }),
  } as unknown as GatewayBlobStore;
  const resolver = {
    manifestCandidates: async () => [{ cid, source: 'a record of someone else' }],
    blobCandidates: async () => [{ cid, source: 'a record of someone else' }],
  } as unknown as Resolver;
  const verified = new VerifiedPairs(join(dir, file));
  const cache = { enabled: false, size: () => undefined } as unknown as BlobCache;
  return { content: new VerifiedContent({ store, verified, resolver, cache, manifestLimit: MANIFEST_LIMIT }), verified };
}

test('a CID of 5 MiB recorded as a manifest of the empty digest is not taken for it, and no blob of the empty digest is served from it', async () => {
  const cid = 'bafkreibigfile';
  const { content, verified } = contentOver(cid, randomBytes(5 * 2 ** 20), 'empty');
  await assert.rejects(content.manifest(parseName('bob/x'), EMPTY_DIGEST), (error: Error) => {
    assert.match(error.message, /more than the 4194304 bytes of any manifest/);
    return true;
  });
  assert.equal(verified.isVerified(EMPTY_DIGEST, cid), false, 'the pair was taken as verified');
  // Had it been, a blob lookup would vouch for the 5 MiB and stream them unhashed.
  await assert.rejects(content.blob(parseName('alice/app'), EMPTY_DIGEST, { verify: 'now' }), /holds other content/);
  assert.equal(verified.isMismatch(EMPTY_DIGEST, cid), true, 'the blob lookup hashed the bytes and found them other');
});

test("a layer's digest asked for as a manifest leaves the layer servable: its pair is not marked a mismatch", async () => {
  const cid = 'bafkreilayer';
  const layer = randomBytes(5 * 2 ** 20);
  const digest = sha256(layer);
  const { content, verified } = contentOver(cid, layer, 'layer');
  await assert.rejects(content.manifest(parseName('alice/app'), digest), /MANIFEST_UNKNOWN|holds other content/);
  assert.equal(verified.isMismatch(digest, cid), false, 'a manifest request marked the layer\'s pair as a mismatch');
  const blob = await content.blob(parseName('alice/app'), digest, { verify: 'now' });
  assert.deepEqual({ cid: blob.cid, size: blob.size, verified: blob.verified }, { cid, size: layer.length, verified: true });
});
