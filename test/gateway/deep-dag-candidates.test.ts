// A pull of a blob one of whose recorded CIDs is a DAG deeper than any file imported here (a chain
// of nodes each linking one child, anyone can record): even when that DAG's bytes are the blob's,
// it is not walked to its end. A HEAD (hashed first) passes it over for the next candidate, or,
// with none, answers that IPFS has none usable (a 404, never a 500 nor a hang); a GET that
// streamed from it is cut short with the reason.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedBlobStore } from '../../src/ipfs';
import { OciError } from '../../src/gateway/errors/oci-error';
import { toOciError } from '../../src/gateway/errors/from-internal';
import { parseName } from '../../src/gateway/oci/reference';
import type { Candidate, Resolver } from '../../src/gateway/resolve/resolver';
import { VerifiedContent } from '../../src/gateway/resolve/verified-content';
import type { BlobCache } from '../../src/gateway/storage/blob-cache';
import type { VerifiedPairs } from '../../src/gateway/storage/verified-pairs';
import { type DeepBlobStore, deepBlobStore } from '../ipfs/helpers/deep-chain';

describe('OCI pulls of a digest recorded with a DAG too deep to walk', () => {
  let store: EmbeddedBlobStore;
  let digest: string;
  let deep: string;
  let good: string;
  let blob: DeepBlobStore;
  const name = parseName('acme/web');

  before(async () => {
    blob = await deepBlobStore();
    ({ store, digest, deep, good } = blob);
  });

  after(() => blob?.close());

  function contentWith(candidates: Candidate[]): VerifiedContent {
    const resolver = { blobCandidates: async () => candidates } as unknown as Resolver;
    const verified = { isMismatch: () => false, isVerified: () => false, markMismatch: () => undefined, markVerified: () => undefined } as unknown as VerifiedPairs;
    const cache = { enabled: false, size: () => undefined } as unknown as BlobCache;
    return new VerifiedContent({ store, verified, resolver, cache, manifestLimit: 4 * 1024 * 1024 });
  }

  it('passes the deep DAG over for the next candidate when its bytes are hashed first (HEAD)', async () => {
    const content = contentWith([{ cid: deep, source: 'a stranger\'s record' }, { cid: good, source: 'the push' }] as Candidate[]);
    const found = await content.blob(name, digest, { verify: 'now' });
    assert.equal(found.cid, good);
  });

  it('answers a digest with only the deep DAG recorded as not in IPFS (404), not a 500', async () => {
    const content = contentWith([{ cid: deep, source: 'a stranger\'s record' }] as Candidate[]);
    const error = await content.blob(name, digest, { verify: 'now' }).then(() => undefined, (caught: Error) => caught);
    assert.ok(error instanceof OciError, `${error}`);
    assert.equal(toOciError(error).status, 404);
  });

  it('cuts a GET streaming from the deep DAG short with the reason, before its end', async () => {
    const content = contentWith([{ cid: deep, source: 'a stranger\'s record' }] as Candidate[]);
    const blob = await content.blob(name, digest, { verify: 'while-streaming' });
    assert.equal(blob.cid, deep);
    const stream = await content.stream(name, blob);
    await assert.rejects(async () => {
      for await (const _ of stream) continue;
    }, /more than 128 levels deep/);
  });
});
