// Without an index, a contested name's tags cannot be listed: a stranger contests it by creating a
// shadow space with the same name, in a block of their choosing, and every image of the space
// then fails its listing at once. The tags known stay, shown as missing; finding them must cost a
// pass time in proportion to the tags, not to images × tags.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Mirror } from '../../src/gateway/mirror/mirror';
import { mirroredCrowd } from './helpers/mirror-scripted';
import { until } from './helpers/mirror-world';

const mirrors: Mirror[] = [];
after(() => {
  for (const mirror of mirrors) mirror.stop();
});

describe('a live mirror of a space a stranger contests', () => {
  test('shows every known tag of thousands of images missing in a pass that takes no time per image and tag', { timeout: 60_000 }, async () => {
    const it = await mirroredCrowd(8_000, 5);
    const w = it.world;
    mirrors.push(it.mirror);

    w.contested = true;
    const started = Date.now();
    it.block(2);
    const status = await until('every tag is shown missing', () => it.mirror.status(), (s) => s.missing === 40_000, 30_000);
    const took = Date.now() - started;
    // 8,000 images × 40,000 tags took seconds a pass (every few seconds, while the name stays contested).
    assert.ok(took < 1_500, `the contested pass took ${took} ms`);
    assert.match(status.tags[0].error ?? '', /contested/);
  });
});
