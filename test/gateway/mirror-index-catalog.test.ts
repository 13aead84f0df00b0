// With an index, a mirror learns the images of its spaces from the index's list of the
// repositories of every space, which anyone can make long (a space and images of their own cost
// a stranger a few records). A pass must ask for it once, however many spaces it mirrors.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Mirror } from '../../src/gateway/mirror/mirror';
import { scriptedMirror, scriptedWorld } from './helpers/mirror-scripted';
import { digestNumbered, until } from './helpers/mirror-world';

const mirrors: Mirror[] = [];
after(() => {
  for (const mirror of mirrors) mirror.stop();
});

describe('a live mirror of several spaces with an index', () => {
  test('asks the index for the repositories of every space once a pass, not once per space', { timeout: 30_000 }, async () => {
    const w = scriptedWorld();
    w.index = true;
    const spaces = ['acme', 'tools', 'web', 'data', 'ops'];
    for (const [i, space] of spaces.entries()) w.tags.set(`${space}/app:v1`, digestNumbered(1 + i));
    // A stranger's many images elsewhere: listed by the index, never mirrored.
    for (let i = 0; i < 500; i++) w.tags.set(`stranger${i}/junk:v1`, digestNumbered(1_000 + i));
    const it = scriptedMirror(w, spaces);
    mirrors.push(it.mirror);
    await it.mirror.start();
    const status = await until('the first pass ends', () => it.mirror.status(), (s) => s.lastPass !== undefined);
    assert.deepEqual([status.mirrored, status.missing], [5, 0]);
    assert.equal(w.counts.catalog, 1, `${w.counts.catalog} listings of every repository for one pass over ${spaces.length} spaces`);
  });
});
