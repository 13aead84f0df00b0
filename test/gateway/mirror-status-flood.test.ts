// GET /mirror and the metrics scrape are anyone's to ask for (where anonymous pulls are allowed),
// as often as they like. During a long pass that changes every tag (a stranger contests the name
// and 40,000 tags go missing), each status request sorted every tag again and each count walked
// them all. Here a status request and a metrics count come between every hundred images of such a
// pass, and the sorts and walks they make are counted: a bounded few, not one per request.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Mirror } from '../../src/gateway/mirror/mirror';
import { mirroredCrowd } from './helpers/mirror-scripted';

const mirrors: Mirror[] = [];
after(() => {
  for (const mirror of mirrors) mirror.stop();
});

/** Walks of a big collection (a sort of an array, or an iteration of a map) made inside `measured` calls. */
function walkCounter(bigger: number): { measured<T>(call: () => T): T; walks: () => number; restore: () => void } {
  let inside = false;
  let walks = 0;
  const arrayProto = Array.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const mapProto = Map.prototype as unknown as Record<string | symbol, (...args: unknown[]) => unknown>;
  const originals: [Record<string | symbol, (...args: unknown[]) => unknown>, string | symbol, (...args: unknown[]) => unknown][] = [
    [arrayProto, 'sort', arrayProto.sort],
    ...(['values', 'entries', 'keys', 'forEach', Symbol.iterator] as const).map((name) => [mapProto, name, mapProto[name]] as [typeof mapProto, string | symbol, (...args: unknown[]) => unknown]),
  ];
  for (const [proto, name, original] of originals) {
    proto[name] = function (this: { length?: number; size?: number }, ...args: unknown[]) {
      if (inside && (this.length ?? this.size ?? 0) >= bigger) walks++;
      return original.apply(this, args);
    };
  }
  return {
    measured: (call) => {
      inside = true;
      try {
        return call();
      } finally {
        inside = false;
      }
    },
    walks: () => walks,
    restore: () => {
      for (const [proto, name, original] of originals) proto[name] = original;
    },
  };
}

describe('the status of a live mirror during a pass that changes every tag', () => {
  test('costs a bounded few sorts and walks of the tags, however many status requests and scrapes come', { timeout: 60_000 }, async () => {
    const it = await mirroredCrowd(8_000, 5);
    const w = it.world;
    mirrors.push(it.mirror);

    // The pass reads the name's claim once per image: a status request and a scrape come every hundred.
    const counter = walkCounter(1_000);
    let contested = false;
    let asked = 0;
    const missingSeen: number[] = [];
    Object.defineProperty(w, 'contested', {
      get: () => {
        if (contested && ++asked % 100 === 0) {
          missingSeen.push(counter.measured(() => it.mirror.status()).missing);
          counter.measured(() => it.mirror.counts());
        }
        return contested;
      },
    });
    let took: number;
    let status: ReturnType<Mirror['status']>;
    try {
      contested = true;
      const started = Date.now();
      it.block(2);
      await it.mirror.settled();
      took = Date.now() - started;
      status = counter.measured(() => it.mirror.status());
    } finally {
      counter.restore();
    }
    const requests = missingSeen.length * 2 + 1;
    assert.ok(requests >= 100, `only ${requests} status requests and scrapes came during the pass`);
    // At most one rebuild (a walk and a sort) a second while the pass runs, and one once it ended.
    const allowed = 3 * (Math.ceil(took / 1_000) + 2);
    assert.ok(counter.walks() <= allowed, `${requests} requests in a pass of ${took} ms cost ${counter.walks()} sorts and walks of the tags (at most ${allowed})`);
    // The counts during the pass were not stale: they grew as tags went missing.
    assert.ok(missingSeen.some((n) => n > 0 && n < 40_000), `the counts seen during the pass: ${missingSeen.slice(0, 5).join(', ')}…`);
    // Once the pass ended, the status is exact.
    assert.equal(status.missing, 40_000);
    assert.equal(status.tags.length, 40_000);
    assert.ok(status.tags.every((tag) => tag.state === 'missing'));
    assert.match(status.tags[0].error ?? '', /contested/);
    assert.equal(it.mirror.counts().missing, 40_000);
    assert.equal(typeof it.mirror.counts().oldestMissingSince, 'number');
  });
});
