// A CID recorded for a manifest digest whose content no store can serve as a file (a DAG deeper
// than any import makes, text that is no CID) names that content for good: the content indexer
// sets it aside with why, as it does a CID of other bytes, instead of counting it as a read to
// try again and reading it on its backoff for ever. The owner's CID beside it is verified as
// before. A real embedded store holds the digest's bytes both as a 200-level chain and as an
// ordinary import.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readVerified } from '../../src/content-index/read-manifest';
import { type DeepBlobStore, deepBlobStore } from '../ipfs/helpers/deep-chain';

describe('manifest CIDs whose content is no file', () => {
  let blob: DeepBlobStore;
  before(async () => {
    blob = await deepBlobStore();
  });
  after(() => blob?.close());

  const options = { maxBytes: 4 * 1024 * 1024, timeoutMs: 5_000 };

  it('sets them aside with why, rather than trying them again later', async () => {
    const outcome = await readVerified(blob.store, blob.digest, [blob.deep, 'not-a-cid'], [], options);
    assert.equal(outcome.kind, 'mismatch', `answered ${JSON.stringify(outcome)}`);
    if (outcome.kind !== 'mismatch') return;
    assert.deepEqual([...outcome.mismatchedCids].sort(), [blob.deep, 'not-a-cid'].sort());
    const why = new Map((outcome.unusable ?? []).map(({ cid, why }) => [cid, why]));
    assert.match(why.get(blob.deep) ?? '', /more than 128 levels deep/);
    assert.match(why.get('not-a-cid') ?? '', /expected CIDv1 base32/);
  });

  it("verifies the owner's CID beside one, and sets the unusable one aside for the next attempt", async () => {
    const outcome = await readVerified(blob.store, blob.digest, [blob.deep, blob.good], [], { ...options, readsAtOnce: 1 });
    assert.equal(outcome.kind, 'verified');
    if (outcome.kind !== 'verified') return;
    assert.equal(outcome.cid, blob.good);
    assert.deepEqual(outcome.mismatchedCids, [blob.deep], 'the deep DAG is not read again');
  });
});
