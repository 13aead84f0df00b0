// An index's children get content rows when the index is read, and anyone can list tens of
// thousands of made-up digests in one index manifest (4 MB). Each such child was due at once,
// ahead of every manifest pushed after the index, then read again every few minutes for good,
// though no CID was recorded for it and nothing could ever be read. A digest no one recorded a
// CID for now waits, not due (nextAttemptAt null), until a CID is recorded for it; then it is
// read like any other (src/content-index/content-tables.ts, content-indexer.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { blobOf, OCI_INDEX, OCI_MANIFEST } from '../gateway/helpers/oci-client';
import { contentId, type ContentWorld, imageManifest, startContentWorld } from './helpers/content-world';
import { submit } from './helpers/submit';
import { waitFor } from './helpers/wait';

const MADE_UP = 3_000;

let w: ContentWorld;

const child = (digest: string, size: number) => ({ mediaType: OCI_MANIFEST, digest, size, platform: { os: 'linux', architecture: 'amd64' } });

const row = async (digest: string) =>
  (await w.db.query('SELECT state, attempts, next_attempt_at AS "nextAttemptAt", last_error AS "lastError" FROM manifest_content WHERE id = $1', [contentId(digest)])).rows[0];

before(async () => {
  w = await startContentWorld('index_children_flood');
});

after(async () => {
  await w?.close();
});

test('children no one recorded a CID for wait for one, and are read once it is recorded', async () => {
  const cr = w.chain.api.tx.containerRegistry;
  // One child pushed as a push does (bytes in IPFS, digest info on chain), one whose CID is
  // recorded only later, and thousands no one recorded.
  const recorded = imageManifest('recorded');
  const late = imageManifest('late');
  const madeUp = Array.from({ length: MADE_UP }, () => `sha256:${randomBytes(32).toString('hex')}`);
  const recordedCid = (await w.store.put([recorded.bytes])).cid;
  const lateCid = (await w.store.put([late.bytes])).cid;
  const index = blobOf(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_INDEX,
    manifests: [child(recorded.digest, recorded.size), child(late.digest, late.size), ...madeUp.map((digest) => child(digest, 500))],
  }));
  const indexCid = (await w.store.put([index.bytes])).cid;
  await submit(w.chain.api.tx.utility.batchAll([
    cr.storeDigestInfo('tools', recorded.digest, 'Json', recordedCid),
    cr.addManifestHeadDigestAndManifestJsonCid('tools', 'flood', 'v1', index.digest, indexCid),
  ]), w.a.ferdie, { finalized: true });

  await waitFor(async () => (await row(index.digest))?.state === 'indexed', 'the index to be indexed', 60_000);
  await waitFor(async () => (await row(recorded.digest))?.state === 'indexed', 'the recorded child to be indexed', 60_000);

  // Pushed after the flood: indexed without waiting for thousands of reads of nothing.
  const after = imageManifest('after');
  await submit(cr.addManifestHeadDigestAndManifestJsonCid('tools', 'after', 'v1', after.digest, (await w.store.put([after.bytes])).cid), w.a.ferdie, { finalized: true });
  await waitFor(async () => (await row(after.digest))?.state === 'indexed', 'the manifest pushed after the flood to be indexed', 60_000);

  const { rows: [waiting] } = await w.db.query(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE state = 'pending' AND next_attempt_at IS NULL AND attempts = 0)::int AS waiting
       FROM manifest_content WHERE id = ANY($1::text[])`,
    [[...madeUp, late.digest].map(contentId)],
  );
  assert.deepEqual(waiting, { total: MADE_UP + 1, waiting: MADE_UP + 1 }, 'every child with no recorded CID waits, never read');
  const lateRow = await row(late.digest);
  assert.match(lateRow.lastError, /no CID is recorded for this digest yet/);

  // Recording a CID for a waiting child makes it due, and it is read.
  await submit(cr.storeDigestInfo('tools', late.digest, 'Json', lateCid), w.a.ferdie, { finalized: true });
  await waitFor(async () => (await row(late.digest))?.state === 'indexed', 'the child recorded later to be indexed', 60_000);
  assert.equal((await row(madeUp[0])).nextAttemptAt, null, 'the others still wait');
});

test('a manifest record whose CID is no text waits too, and is read once a readable CID is recorded', async () => {
  const manifest = imageManifest('binary-cid');
  const cid = (await w.store.put([manifest.bytes])).cid;
  const cr = w.chain.api.tx.containerRegistry;
  // A CID that is not UTF-8 is kept as bytes only: no CID to read.
  await submit(cr.addManifestHeadDigestAndManifestJsonCid('tools', 'binary', 'v1', manifest.digest, '0xff00ff'), w.a.ferdie, { finalized: true });
  const waiting = await waitFor(async () => {
    const current = await row(manifest.digest);
    return current?.attempts > 0 ? current : undefined;
  }, 'the manifest with an unreadable CID to be tried', 60_000);
  assert.equal(waiting.state, 'pending');
  assert.equal(waiting.nextAttemptAt, null, 'not read again on a timer');
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal((await row(manifest.digest)).attempts, waiting.attempts, 'not read again without a new record');
  await submit(cr.storeDigestInfo('tools', manifest.digest, 'Json', cid), w.a.ferdie, { finalized: true });
  await waitFor(async () => (await row(manifest.digest))?.state === 'indexed', 'the manifest to be indexed once a CID is recorded', 60_000);
});
