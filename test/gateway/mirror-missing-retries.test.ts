// A space member can record thousands of tags naming content no one serves. Such tags wait longer
// and longer between tries; a pass that comes before a tag's wait is over (every new block, every
// few seconds) must not cost a chain read per missing tag, while the listing says the tag still
// names the content that failed.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Mirror, MirrorStatus } from '../../src/gateway/mirror/mirror';
import { scriptedMirror, scriptedWorld } from './helpers/mirror-scripted';
import { digestNumbered, until } from './helpers/mirror-world';

const mirrors: Mirror[] = [];
after(() => {
  for (const mirror of mirrors) mirror.stop();
});

/** Announces block `n` and waits for the pass it starts (passes start at most once a second). */
async function passAt(it: ReturnType<typeof scriptedMirror>, n: number): Promise<MirrorStatus> {
  it.block(n);
  await delay(1_050);
  await it.mirror.settled();
  await it.mirror.settled();
  return it.mirror.status();
}

describe('a live mirror and tags whose content no one serves', () => {
  test('resolves a missing tag again only once its wait is over or its record moves, not at every block', { timeout: 30_000 }, async () => {
    const w = scriptedWorld();
    for (let i = 0; i < 30; i++) {
      w.tags.set(`acme/stuck:t${String(i).padStart(2, '0')}`, digestNumbered(i + 1));
      w.failing.add(digestNumbered(i + 1));
    }
    // Records naming no digest at all: missing too, and just as cheap to wait on.
    for (let i = 0; i < 10; i++) w.tags.set(`acme/junk:t${i}`, `not-a-digest-${i}`);
    const it = scriptedMirror(w);
    mirrors.push(it.mirror);
    await it.mirror.start();
    await until('the first pass ends with every tag missing', () => it.mirror.status(), (s) => s.lastPass !== undefined && s.missing === 40);
    const read = w.counts.tagDigest;
    // Two blocks before the first wait (5 s) is over: nothing is due, so nothing is resolved.
    await passAt(it, 2);
    await passAt(it, 3);
    assert.equal(w.counts.tagDigest - read, 0, 'missing tags whose wait is not over cost no read per block');
    // A tag moved to new content is tried at once, and it alone is resolved.
    w.tags.set('acme/stuck:t07', digestNumbered(500));
    const status = await passAt(it, 4);
    assert.equal(status.tags.find((t) => t.tag === 't07' && t.repository === 'acme/stuck')?.state, 'mirrored');
    assert.equal(w.counts.tagDigest - read, 1, 'only the moved tag is resolved');
    // Once the wait is over, the missing tags are tried again.
    await until('the stuck tags are tried again', () => w.counts.tagDigest - read, (n) => n >= 30, 15_000);
  });
});
