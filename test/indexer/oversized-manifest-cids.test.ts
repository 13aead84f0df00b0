// Anyone can record, for a manifest digest, the CID of a huge blob (a public multi-GB layer) or of
// a stream that never ends. The content indexer read each CID to its end to hash it, so such a CID
// cost a whole read timeout of download on every attempt, and, since a read cut short by the timeout
// is tried again, on every attempt forever. Bytes past the manifest limit can never be a manifest
// the gateway serves: the read now stops at the limit and the CID is set aside for good, while the
// owner's CID beside it is read as before (src/content-index/read-manifest.ts). And CIDs already
// set aside are skipped without comparing each candidate with each of them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { BlobStore, GetOptions } from '../../src/ipfs';
import { readVerified } from '../../src/content-index/read-manifest';

const MAX_BYTES = 64 * 1024;
const CHUNK = Buffer.alloc(16 * 1024, 0x61);

/** A store where `endless` streams bytes for as long as it is read, counting them; `honest` holds `manifest`. */
function storeWith(manifest: Buffer) {
  const served = { endlessBytes: 0, endlessReads: 0 };
  const store = {
    get: async (cid: string, options: GetOptions = {}): Promise<Readable> => {
      if (cid === 'honest') return Readable.from([manifest]);
      served.endlessReads += 1;
      const stream = new Readable({
        read() {
          if (options.signal?.aborted) return void this.destroy(new Error('the read was given up on'));
          served.endlessBytes += CHUNK.length;
          setImmediate(() => this.push(CHUNK));
        },
      });
      options.signal?.addEventListener('abort', () => stream.destroy(new Error('the read was given up on')), { once: true });
      return stream;
    },
  } as unknown as BlobStore;
  return { store, served };
}

const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [] }));
const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;

test('a CID holding more bytes than any manifest is read only up to the limit and set aside, not read again', async () => {
  const { store, served } = storeWith(manifest);
  const started = Date.now();
  const outcome = await readVerified(store, digest, ['endless'], [], { maxBytes: MAX_BYTES, timeoutMs: 5_000 });
  assert.ok(Date.now() - started < 2_000, `stopped at the limit, not at the read timeout (${Date.now() - started} ms)`);
  assert.ok(served.endlessBytes <= MAX_BYTES + 4 * CHUNK.length, `read ${served.endlessBytes} bytes of an endless CID`);
  assert.deepEqual(outcome, { kind: 'mismatch', mismatchedCids: ['endless'], oversizedCids: ['endless'] });

  // The next attempt, given what this one learnt, reads it no more.
  const again = await readVerified(store, digest, ['endless'], outcome.kind === 'mismatch' ? outcome.mismatchedCids : [], { maxBytes: MAX_BYTES, timeoutMs: 5_000, attempt: 1 });
  assert.equal(served.endlessReads, 1);
  assert.equal(again.kind, 'mismatch');
});

test("the owner's CID recorded beside an endless one is verified, and the endless one set aside", async () => {
  const { store, served } = storeWith(manifest);
  const outcome = await readVerified(store, digest, ['endless', 'honest'], [], { maxBytes: MAX_BYTES, timeoutMs: 5_000, readsAtOnce: 1 });
  assert.equal(outcome.kind, 'verified');
  assert.equal(outcome.kind === 'verified' && outcome.cid, 'honest');
  assert.deepEqual(outcome.mismatchedCids, ['endless']);
  assert.ok(served.endlessBytes <= MAX_BYTES + 4 * CHUNK.length);
});

test('tens of thousands of CIDs recorded for a digest, all known to hold other bytes, are set aside at once', async () => {
  // Anyone can record this many CIDs for a digest; each attempt compared every candidate with
  // every CID already set aside, which took seconds of the worker's CPU per attempt.
  const { store } = storeWith(manifest);
  const flood = Array.from({ length: 60_000 }, (_, i) => `flood-${i}`);
  const started = process.hrtime.bigint();
  const outcome = await readVerified(store, digest, [...flood, 'honest'], flood, { maxBytes: MAX_BYTES, timeoutMs: 5_000 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.equal(outcome.kind, 'verified');
  assert.ok(ms < 1_000, `took ${Math.round(ms)} ms`);
});
