// A CID recorded for a digest whose content cannot be served (a DAG deeper than any import makes,
// an InvalidCidError) is remembered as unusable for that digest once a read finds it so: the next
// GET serves from another candidate, or answers a 404 naming why, never "may still be
// propagating". A read failing because IPFS is down, or cut by a client hanging up, marks nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobStoreUnavailableError, EmbeddedBlobStore } from '../../src/ipfs';
import { toOciError } from '../../src/gateway/errors/from-internal';
import { parseName } from '../../src/gateway/oci/reference';
import type { Candidate, Resolver } from '../../src/gateway/resolve/resolver';
import { VerifiedContent } from '../../src/gateway/resolve/verified-content';
import type { BlobCache } from '../../src/gateway/storage/blob-cache';
import type { GatewayBlobStore } from '../../src/gateway/storage/blob-store';
import { VerifiedPairs } from '../../src/gateway/storage/verified-pairs';
import { type DeepBlobStore, deepBlobStore } from '../ipfs/helpers/deep-chain';

describe('a candidate whose content is unusable is passed over by later reads', () => {
  let store: EmbeddedBlobStore;
  let content: Buffer;
  let digest: string;
  let deep: string;
  let good: string;
  let pairs: number;
  let blob: DeepBlobStore;
  /** Where each case's verified pairs log goes. */
  let work: string;
  const name = parseName('acme/web');
  const stranger = { source: 'a stranger\'s record' };

  before(async () => {
    blob = await deepBlobStore();
    ({ store, content, digest, deep, good } = blob);
    work = mkdtempSync(join(tmpdir(), 'unusable-pairs-'));
  });

  after(async () => {
    await blob?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function setUp(candidates: Candidate[], over: GatewayBlobStore = store as unknown as GatewayBlobStore) {
    const resolver = { blobCandidates: async () => candidates } as unknown as Resolver;
    const verified = new VerifiedPairs(join(work, `pairs-${pairs = (pairs ?? 0) + 1}.log`));
    const cache = { enabled: false, size: () => undefined } as unknown as BlobCache;
    return { verified, content: new VerifiedContent({ store: over, verified, resolver, cache, manifestLimit: 4 * 1024 * 1024 }) };
  }

  async function drain(stream: Readable): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  it('a GET cut short by a too-deep DAG marks the pair: the next GET serves from the next candidate', async () => {
    const { verified, content: reads } = setUp([{ cid: deep, ...stranger }, { cid: good, source: 'the push' }]);
    const first = await reads.blob(name, digest, { verify: 'while-streaming' });
    assert.equal(first.cid, deep);
    await assert.rejects(drain(await reads.stream(name, first)), /more than 128 levels deep/);
    assert.equal(verified.isMismatch(digest, deep), true, 'the unusable pair was not remembered');
    const second = await reads.blob(name, digest, { verify: 'while-streaming' });
    assert.equal(second.cid, good);
    assert.deepEqual(await drain(await reads.stream(name, second)), content);
  });

  it('with no other candidate, the next GET answers 404 naming why, not "may still be propagating"', async () => {
    const { content: reads } = setUp([{ cid: deep, ...stranger }]);
    await drain(await reads.stream(name, await reads.blob(name, digest, { verify: 'while-streaming' }))).catch(() => undefined);
    const error = await reads.blob(name, digest, { verify: 'while-streaming' }).then(() => undefined, (caught: Error) => caught);
    assert.ok(error, 'the second lookup found the unusable CID again');
    assert.equal(toOciError(error).status, 404);
    assert.match(error.message, /more than 128 levels deep/);
    assert.match(error.message, new RegExp(deep));
    assert.doesNotMatch(error.message, /propagating/);
  });

  it('a HEAD that hashes the too-deep DAG first answers 404 naming why, and marks the pair', async () => {
    const { verified, content: reads } = setUp([{ cid: deep, ...stranger }]);
    const error = await reads.blob(name, digest, { verify: 'now' }).then(() => undefined, (caught: Error) => caught);
    assert.ok(error);
    assert.equal(toOciError(error).status, 404);
    assert.match(error.message, /more than 128 levels deep/);
    assert.doesNotMatch(error.message, /propagating/);
    assert.equal(verified.isMismatch(digest, deep), true);
  });

  it('a stream failing because IPFS is down, or cut by a client hanging up, marks nothing', async () => {
    let down = false;
    const flaky = {
      stat: (cid: string) => store.stat(cid),
      async get(cid: string) {
        if (!down) return store.get(cid);
        return new Readable({ read() { this.destroy(new BlobStoreUnavailableError('IPFS API http://127.0.0.1:5001 is unreachable')); } });
      },
    } as unknown as GatewayBlobStore;
    const { verified, content: reads } = setUp([{ cid: good, source: 'the push' }], flaky);
    down = true;
    await assert.rejects(drain(await reads.stream(name, await reads.blob(name, digest, { verify: 'while-streaming' }))), /unreachable/);
    assert.equal(verified.isMismatch(digest, good), false, 'an outage marked the pair');
    down = false;
    const stream = await reads.stream(name, await reads.blob(name, digest, { verify: 'while-streaming' }));
    stream.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(verified.isMismatch(digest, good), false, 'a hang-up marked the pair');
  });
});
