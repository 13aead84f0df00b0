// An index costs its author one record on chain, and may list thousands of child manifests. Many
// indexes listing the same children must cost the mirror a walk of each child once, not once per
// index: the pass they hold up is the one every other tag of the mirror waits behind.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Mirror } from '../../src/gateway/mirror/mirror';
import { scriptedMirror, scriptedWorld } from './helpers/mirror-scripted';
import { digestNumbered, until } from './helpers/mirror-world';

const mirrors: Mirror[] = [];
after(() => {
  for (const mirror of mirrors) mirror.stop();
});

describe('a live mirror and indexes sharing their children', () => {
  test('walks a child manifest that many indexes list once, and still mirrors every tag', { timeout: 30_000 }, async () => {
    const w = scriptedWorld();
    const children = Array.from({ length: 200 }, (_, i) => digestNumbered(10_000 + i));
    for (const [i, child] of children.entries()) w.manifests.set(child, { blobs: [digestNumbered(20_000 + i)] });
    for (let i = 0; i < 20; i++) {
      const index = digestNumbered(1 + i);
      w.manifests.set(index, { children });
      w.tags.set(`acme/multi:t${String(i).padStart(2, '0')}`, index);
    }
    const it = scriptedMirror(w);
    mirrors.push(it.mirror);
    await it.mirror.start();
    await until('every tag is mirrored', () => it.mirror.status(), (s) => s.lastPass !== undefined && s.mirrored === 20);
    assert.ok(w.counts.manifests <= 20 + 200, `${w.counts.manifests} manifest reads for 20 indexes sharing 200 children`);

    // The first index's tag goes: the children stay held through the other indexes' trees.
    w.tags.delete('acme/multi:t00');
    const read = w.counts.manifests;
    w.tags.set('acme/multi:new', digestNumbered(999));
    w.manifests.set(digestNumbered(999), { children });
    it.block(2);
    await until('the new index is mirrored', () => it.mirror.status(), (s) => s.tags.some((t) => t.tag === 'new' && t.state === 'mirrored'));
    assert.equal(w.counts.manifests - read, 1, 'an index of held children costs a read of the index alone');
  });
});
