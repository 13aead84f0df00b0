// A blob read from IPFS that was not verified before is hashed as it goes out: the last chunk is
// held back until the hash is known, and the first goes out at once, so the first byte of a cold
// read waits for no second chunk. Wrong bytes, a longer source or a shorter one end the response
// short of its length, so that no client takes them for the blob.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { parseName } from '../../src/gateway/oci/reference';
import type { Resolver } from '../../src/gateway/resolve/resolver';
import { VerifiedContent } from '../../src/gateway/resolve/verified-content';
import type { BlobCache } from '../../src/gateway/storage/blob-cache';
import type { GatewayBlobStore } from '../../src/gateway/storage/blob-store';
import type { VerifiedPairs } from '../../src/gateway/storage/verified-pairs';

const CHUNKS = [randomBytes(64 * 1024), randomBytes(64 * 1024), randomBytes(1000)];
const BLOB = Buffer.concat(CHUNKS);
const DIGEST = `sha256:${createHash('sha256').update(BLOB).digest('hex')}`;

/** A verifying read of the blob whose source the test feeds, and what the pair was marked. */
function verifyingRead(): { source: PassThrough; read: Promise<Readable>; marks: string[] } {
  const source = new PassThrough();
  const marks: string[] = [];
  const store = { get: async () => source } as unknown as GatewayBlobStore;
  const verified = { markVerified: () => marks.push('verified'), markMismatch: () => marks.push('mismatch') } as unknown as VerifiedPairs;
  const content = new VerifiedContent({ store, verified, resolver: {} as Resolver, cache: { enabled: false } as BlobCache, manifestLimit: 4 * 1024 * 1024 });
  const read = content.stream(parseName('acme/web'), { digest: DIGEST, cid: 'bafkreiexample', size: BLOB.length, verified: false });
  return { source, read, marks };
}

/** Everything the read passes on, and the error it ends with, if any. */
async function drain(read: Readable): Promise<{ bytes: Buffer; error?: Error }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of read) chunks.push(chunk as Buffer);
    return { bytes: Buffer.concat(chunks) };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error: error as Error };
  }
}

test('the first chunk goes out before the second comes, and the last waits for the hash', async () => {
  const { source, read, marks } = verifyingRead();
  const stream = await read;
  source.write(CHUNKS[0]);
  const waited = new AbortController();
  const [first] = (await Promise.race([
    once(stream, 'data'),
    delay(5_000, undefined, { signal: waited.signal }).then(() => assert.fail('no byte went out before the second chunk came')),
  ])) as [Buffer];
  waited.abort();
  assert.deepEqual(first, CHUNKS[0]);
  stream.pause();
  source.write(CHUNKS[1]);
  source.end(CHUNKS[2]);
  const { bytes, error } = await drain(stream);
  assert.equal(error, undefined);
  assert.deepEqual(Buffer.concat([first, bytes]), BLOB);
  assert.deepEqual(marks, ['verified']);
});

test('other bytes of the same length end the response without its last chunk', async () => {
  const { source, read, marks } = verifyingRead();
  const stream = await read;
  source.write(CHUNKS[0]);
  source.write(CHUNKS[1]);
  source.end(randomBytes(CHUNKS[2].length));
  const { bytes, error } = await drain(stream);
  assert.match(String(error?.message), /the record was repointed/);
  assert.deepEqual(bytes, BLOB.subarray(0, CHUNKS[0].length + CHUNKS[1].length));
  assert.deepEqual(marks, ['mismatch']);
});

test('a source longer than the length announced fails before the chunk that completes it goes out', async () => {
  const { source, read, marks } = verifyingRead();
  const stream = await read;
  for (const chunk of CHUNKS) source.write(chunk);
  source.end(Buffer.from('more'));
  const { bytes, error } = await drain(stream);
  assert.match(String(error?.message), /run past the/);
  assert.ok(bytes.length < BLOB.length, `${bytes.length} bytes of ${BLOB.length} went out`);
  assert.deepEqual(marks, ['mismatch']);
});

test('a source shorter than the length announced fails at its end', async () => {
  const { source, read, marks } = verifyingRead();
  const stream = await read;
  source.write(CHUNKS[0]);
  source.end(CHUNKS[1]);
  const { bytes, error } = await drain(stream);
  assert.match(String(error?.message), /end after/);
  assert.ok(bytes.length < BLOB.length);
  assert.deepEqual(marks, ['mismatch']);
});
