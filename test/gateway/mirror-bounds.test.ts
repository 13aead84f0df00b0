// What a live mirror costs as the chain goes on: what it tracks follows what the spaces' tags
// name now (not all they ever named), a block that changes nothing costs no read per tag, and
// its status comes a bounded page at a time, however many tags members add.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import express from 'express';
import type { AccessGuard } from '../../src/gateway/auth/access-guard';
import type { Mirror, MirrorStatus } from '../../src/gateway/mirror/mirror';
import { mirrorRoutes } from '../../src/gateway/mirror/routes';
import { digestNumbered, mirrorWorld, scriptedMirror, until } from './helpers/mirror-world';

const mirrors: Mirror[] = [];
after(() => {
  for (const mirror of mirrors) mirror.stop();
});

async function started(world: ReturnType<typeof mirrorWorld>) {
  const it = scriptedMirror(world);
  mirrors.push(it.mirror);
  await it.mirror.start();
  return it;
}

/** Announces block `n` and waits for the pass it starts (passes start at most once a second). */
async function passAt(it: Awaited<ReturnType<typeof started>>, n: number): Promise<MirrorStatus> {
  it.block(n);
  await delay(1_050);
  await it.mirror.settled();
  await it.mirror.settled();
  return it.mirror.status();
}

describe('a live mirror over time', () => {
  test('tracks only the content the listed tags name now, and checks content again that a tag names anew', { timeout: 30_000 }, async () => {
    const w = mirrorWorld();
    const manifestOf = (n: number) => {
      w.manifests.set(digestNumbered(n), [digestNumbered(1_000 + n), digestNumbered(2_000 + n)]);
      return digestNumbered(n);
    };
    w.tags.set('acme/web:latest', manifestOf(1));
    const it = await started(w);
    await until('the first tag is mirrored', () => it.mirror.status(), (s) => s.mirrored === 1);
    // A member moves the tag on, again and again: every old tree must not stay tracked.
    for (let n = 2; n <= 6; n++) {
      w.tags.set('acme/web:latest', manifestOf(n));
      const status = await passAt(it, n);
      assert.equal(status.tags[0].digest, digestNumbered(n));
    }
    assert.ok(it.mirror.trackedDigests <= 3, `tracks ${it.mirror.trackedDigests} digests for one tag naming a manifest with two blobs`);
    // Named again, the first content is checked again (its pins may have gone meanwhile).
    const before = w.reads.manifests.filter((d) => d === digestNumbered(1)).length;
    w.tags.set('acme/web:latest', digestNumbered(1));
    await passAt(it, 7);
    assert.equal(w.reads.manifests.filter((d) => d === digestNumbered(1)).length, before + 1);
  });

  test('a new block that changes no mirrored tag costs no read per tag; one that moves a tag, a read for that tag', { timeout: 30_000 }, async () => {
    const w = mirrorWorld();
    for (let i = 0; i < 20; i++) {
      w.tags.set(`acme/many:t${i}`, digestNumbered(i + 1));
      w.manifests.set(digestNumbered(i + 1), [digestNumbered(500 + i)]);
    }
    const it = await started(w);
    await until('all are mirrored', () => it.mirror.status(), (s) => s.mirrored === 20);
    await it.mirror.settled();
    const read = w.reads.tagDigest;
    await passAt(it, 2);
    await passAt(it, 3);
    assert.equal(w.reads.tagDigest - read, 0, 'blocks with no change to the tags cost no read per tag');
    w.tags.set('acme/many:t3', digestNumbered(99));
    w.manifests.set(digestNumbered(99), []);
    const status = await passAt(it, 4);
    assert.equal(status.tags.find((t) => t.tag === 't3')?.digest, digestNumbered(99));
    assert.equal(w.reads.tagDigest - read, 1, 'only the moved tag is resolved');
  });
});

describe('GET /mirror, a page at a time', () => {
  let server: import('node:http').Server | undefined;
  after(() => server?.close());

  async function serve(mirror: Mirror): Promise<string> {
    const access = { auth: { anonymousPull: true }, requireToken: () => undefined } as unknown as AccessGuard;
    const app = express();
    app.use(mirrorRoutes(mirror, access));
    app.use((error: Error & { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(error.status ?? 500).json({ errors: [{ message: error.message }] });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server!.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  test('lists at most 100 tags unless asked, pages with n and last (a Link to the next page), and counts them all', { timeout: 30_000 }, async () => {
    const w = mirrorWorld();
    for (let i = 0; i < 250; i++) w.tags.set(`acme/paged:t${String(i).padStart(3, '0')}`, digestNumbered(1));
    w.manifests.set(digestNumbered(1), []);
    const it = await started(w);
    await until('all are mirrored', () => it.mirror.status(), (s) => s.mirrored === 250);
    const url = await serve(it.mirror);

    const first = await fetch(`${url}/mirror`);
    const page = (await first.json()) as MirrorStatus & { next?: string };
    assert.equal(page.tags.length, 100);
    assert.equal(page.mirrored, 250, 'the counts are the whole mirror\'s');
    assert.equal(page.next, `/mirror?n=100&last=${encodeURIComponent('acme/paged:t099')}`);
    assert.equal(first.headers.get('link'), `<${page.next}>; rel="next"`);

    const seen = new Set<string>();
    let path: string | undefined = '/mirror?n=70';
    while (path) {
      const next = (await (await fetch(`${url}${path}`)).json()) as MirrorStatus & { next?: string };
      assert.ok(next.tags.length <= 70);
      for (const tag of next.tags) {
        assert.ok(!seen.has(tag.tag), `${tag.tag} on two pages`);
        seen.add(tag.tag);
      }
      path = next.next;
    }
    assert.equal(seen.size, 250);
    // A `last` that names no tag: the page starts at the first tag after it.
    const between = (await (await fetch(`${url}/mirror?n=2&last=${encodeURIComponent('acme/paged:t0995')}`)).json()) as MirrorStatus;
    assert.deepEqual(between.tags.map((tag) => tag.tag), ['t100', 't101']);
    const past = (await (await fetch(`${url}/mirror?last=${encodeURIComponent('acme/paged:u')}`)).json()) as MirrorStatus & { next?: string };
    assert.deepEqual([past.tags.length, past.next], [0, undefined]);

    const big = (await (await fetch(`${url}/mirror?n=100000`)).json()) as MirrorStatus;
    assert.equal(big.tags.length, 250, 'n is capped at 1000, which is more than there are');
    for (const bad of ['n=-1', 'n=0', 'n=ten', 'n=1&n=2', 'last=a&last=b']) {
      const response = await fetch(`${url}/mirror?${bad}`);
      assert.equal(response.status, 400, bad);
      assert.match(((await response.json()) as { errors: { message: string }[] }).errors[0].message, /give/, bad);
    }
  });
});
