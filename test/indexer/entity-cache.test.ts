// The processor's entity cache (src/processor/state/entity-cache.ts) is used only while what it
// holds is committed: never for hot blocks, and dropped when a batch is handled again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Account, Space } from '../../src/model';
import type { BatchState } from '../../src/processor/state/batch-state';
import { EntityCache } from '../../src/processor/state/entity-cache';

function stateWith(spaces: Space[]): BatchState {
  const accounts = new Map(spaces.map((space) => [space.owner.id, space.owner]));
  const empty = new Map();
  return { accounts, spaces: new Map(spaces.map((space) => [space.id, space])), nameOwners: empty, nameWriters: empty, images: empty, tags: empty, manifests: empty, blobs: empty } as unknown as BatchState;
}

const space = (id: string) => new Space({ id, owner: new Account({ id: `owner-${id}`, publicKey: '0x' }) });

test('finalized batches fill the cache; a batch of hot blocks clears it and adds nothing', () => {
  const cache = new EntityCache(10);
  cache.begin(1, 10, false);
  assert.equal(cache.usable, true);
  cache.remember(stateWith([space('1')]));
  assert.equal(cache.spaceByOwner.get('owner-1')?.id, '1');
  cache.begin(11, 11, true);
  assert.equal(cache.usable, false);
  assert.equal(cache.spaces.size, 0);
  cache.remember(stateWith([space('2')]));
  assert.equal(cache.spaces.size, 0, 'a hot batch was remembered');
});

test('a batch that starts at or below the last one (a retried transaction) starts from an empty cache', () => {
  const cache = new EntityCache(10);
  cache.begin(1, 10, false);
  cache.remember(stateWith([space('1')]));
  cache.begin(11, 20, false);
  assert.equal(cache.spaces.size, 1, 'the next batch keeps the cache');
  cache.remember(stateWith([space('2')]));
  cache.begin(11, 20, false);
  assert.equal(cache.spaces.size, 0, 'a retry must not see what the failed attempt changed');
  assert.equal(cache.usable, true);
});

test('past maxEntries the oldest entries go', () => {
  const cache = new EntityCache(2);
  cache.begin(1, 1, false);
  cache.remember(stateWith([space('1'), space('2'), space('3')]));
  assert.deepEqual([...cache.spaces.keys()], ['2', '3']);
  const off = new EntityCache(0);
  off.begin(1, 1, false);
  assert.equal(off.usable, false, 'PROCESSOR_CACHE_ENTRIES=0 turns it off');
});

test('a table that was empty when the cache started is held whole: misses need no lookup', () => {
  const cache = new EntityCache(2);
  cache.begin(1, 10, false);
  assert.equal(cache.needsTableCheck, true, 'the first batch checks the tables');
  cache.wholeFrom(['spaces', 'accounts']);
  assert.equal(cache.needsTableCheck, false);
  assert.equal(cache.holdsAll('spaces'), true);
  assert.equal(cache.holdsAll('images'), false, 'a table that was not empty is not held whole');
  cache.remember(stateWith([space('1'), space('2')]));
  cache.begin(11, 20, false);
  assert.equal(cache.holdsAll('spaces'), true, 'the next batch still knows every space');
  cache.remember(stateWith([space('3')]));
  assert.equal(cache.holdsAll('spaces'), false, 'an evicted space would be missed: the table is no longer whole');
  assert.equal(cache.holdsAll('accounts'), false, 'the third owner evicted an account too');
});

test('whole tables are forgotten by a hot batch and a retry, and checked again afterwards', () => {
  const cache = new EntityCache(10);
  cache.begin(1, 10, false);
  cache.wholeFrom(['spaces']);
  cache.begin(11, 11, true);
  assert.equal(cache.holdsAll('spaces'), false, 'hot batches do not use the cache');
  assert.equal(cache.needsTableCheck, false, 'nor check tables for it');
  cache.begin(12, 20, false);
  assert.equal(cache.needsTableCheck, true);
  cache.wholeFrom(['spaces']);
  cache.begin(12, 20, false);
  assert.equal(cache.holdsAll('spaces'), false, 'a retry starts over');
  assert.equal(cache.needsTableCheck, true);
});

test('a table is held whole only while the cache has nothing of it when it is checked', () => {
  const cache = new EntityCache(10);
  cache.begin(1, 10, false);
  cache.remember(stateWith([space('1')]));
  cache.wholeFrom(['spaces']);
  assert.equal(cache.holdsAll('spaces'), false);
});
