// The cost-bounded LRU behind the GraphQL response cache and the referrers facts cache.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CostLru } from '../../src/limits/cost-lru';

const byLength = (_key: string, value: string) => value.length;

test('past the bound the least recently used go first, each counted at the cost it was stored with', () => {
  const lru = new CostLru<string>(10, byLength);
  lru.set('a', 'xxxx');
  lru.set('b', 'xxx');
  lru.set('c', 'xxx');
  assert.equal(lru.get('a'), 'xxxx', 'a is now the most recently used');
  lru.set('d', 'xx');
  assert.equal(lru.get('b'), undefined, 'b was the least recently used');
  assert.deepEqual(['a', 'c', 'd'].map((key) => lru.get(key)), ['xxxx', 'xxx', 'xx']);
  assert.equal(lru.cost, 9);
  lru.delete('a');
  assert.equal(lru.cost, 5);
  assert.equal(lru.size, 2);
});

test('an entry that costs more than the most one may is not kept, and drops what its key held', () => {
  const lru = new CostLru<string>(100, byLength, 10);
  lru.set('k', 'short');
  lru.set('other', 'x'.repeat(8));
  lru.set('k', 'x'.repeat(11));
  assert.equal(lru.get('k'), undefined);
  assert.equal(lru.get('other'), 'x'.repeat(8), 'the others stay');
  assert.equal(lru.cost, 8);
});
