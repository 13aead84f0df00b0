// A name's owner is read from chain state and kept for a few seconds. A lookup that fails must
// take only its own entry out of the cache: one that failed after a later lookup had replaced it
// took the later, good answer with it, and the next request read the chain again.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { NameClaim } from '../../src/chain/name-claims';
import type { ChainReader } from '../../src/gateway/resolve/chain-reader';
import { Resolver } from '../../src/gateway/resolve/resolver';
import type { LocalBlobs } from '../../src/gateway/storage/local-blobs';

const realNow = Date.now;
afterEach(() => {
  Date.now = realNow;
});

test("a lookup failing after a later one succeeded leaves the later one's answer cached", async () => {
  let now = realNow();
  Date.now = () => now;
  const space = { id: 7, owner: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY' };
  const claim = { owner: space, writer: space, shadows: [], contested: false } as unknown as NameClaim;
  let reads = 0;
  let failFirst!: (error: Error) => void;
  const chain = {
    claim: () => {
      reads += 1;
      if (reads === 1) return new Promise<NameClaim>((_resolve, reject) => (failFirst = reject));
      return Promise.resolve(claim);
    },
  } as unknown as ChainReader;
  const resolver = new Resolver({ chain, local: {} as LocalBlobs, log: () => undefined });

  const slow = resolver.owner('acme');
  // Past the few seconds an answer is kept: the next request reads the chain again.
  now += 60_000;
  assert.equal((await resolver.owner('acme')).spaceId, 7);
  failFirst(new Error('the node went away'));
  await assert.rejects(slow, /the node went away/);
  assert.equal((await resolver.owner('acme')).spaceId, 7);
  assert.equal(reads, 2, 'the failed lookup took the good answer out of the cache');
});
