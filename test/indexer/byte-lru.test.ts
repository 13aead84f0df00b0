// The byte-bounded LRU behind the GraphQL response cache.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteLru } from '../../src/indexer/byte-lru';

test('the least recently used entries go first once the bytes are over the bound', () => {
  const entry = ByteLru.cost('a', 'x'.repeat(100));
  const lru = new ByteLru(3 * entry);
  lru.set('a', 'x'.repeat(100));
  lru.set('b', 'x'.repeat(100));
  lru.set('c', 'x'.repeat(100));
  assert.equal(lru.size, 3);
  assert.ok(lru.get('a'), 'a is now the most recently used');
  lru.set('d', 'x'.repeat(100));
  assert.equal(lru.get('b'), undefined, 'b was the least recently used');
  assert.deepEqual(['a', 'c', 'd'].map((k) => lru.get(k)?.value.length), [100, 100, 100]);
  assert.equal(lru.bytes, 3 * entry);
});

test('replacing a key counts its bytes once, and a value larger than the bound is not kept', () => {
  const lru = new ByteLru(1_000);
  lru.set('k', 'short');
  lru.set('k', 'longer value');
  assert.equal(lru.size, 1);
  assert.equal(lru.bytes, ByteLru.cost('k', 'longer value'));
  lru.set('big', 'x'.repeat(1_000));
  assert.equal(lru.get('big'), undefined);
  assert.equal(lru.get('k')?.value, 'longer value');
});

test('a hit tells when the value was stored', () => {
  const lru = new ByteLru(1_000);
  lru.set('k', 'v', 1234);
  assert.equal(lru.get('k')?.storedAt, 1234);
});
