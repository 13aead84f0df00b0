// What a live mirror with an index (GRAPHQL_URL) costs as the chain goes on: the index lists an
// image's tags with the digest each points at in the owner's records, so a block that changes no
// mirrored tag costs no resolution per tag, as without an index. An index that has not processed
// the block yet may list a tag at the digest it had before: then every tag is resolved.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Mirror, MirrorStatus } from '../../src/gateway/mirror/mirror';
import { digestNumbered, mirrorWorld, until } from './helpers/mirror-world';
import { indexedMirror, standInIndex, type IndexedWorld } from './helpers/mirror-index-world';

const mirrors: Mirror[] = [];
const servers: Server[] = [];
after(() => {
  for (const mirror of mirrors) mirror.stop();
  for (const server of servers) server.close();
});

/** Twenty mirrored tags of one image, listed by an index that has processed block 1. */
async function twentyTags() {
  const w = mirrorWorld();
  for (let i = 0; i < 20; i++) {
    w.tags.set(`acme/many:t${i}`, digestNumbered(i + 1));
    w.manifests.set(digestNumbered(i + 1), [digestNumbered(500 + i)]);
  }
  const indexed: IndexedWorld = { world: w, tags: new Map(w.tags), indexedBlock: 1, queries: [] };
  const { url, server } = await standInIndex(indexed);
  servers.push(server);
  const it = indexedMirror(w, url);
  mirrors.push(it.mirror);
  await it.mirror.start();
  await until('all are mirrored', () => it.mirror.status(), (s) => s.mirrored === 20);
  await it.mirror.settled();
  return { indexed, w, it };
}

/** Announces block `n` and waits for the pass it starts (passes start at most once a second). */
async function passAt(it: ReturnType<typeof indexedMirror>, n: number): Promise<MirrorStatus> {
  it.block(n);
  await delay(1_050);
  await it.mirror.settled();
  await it.mirror.settled();
  return it.mirror.status();
}

/** A tag moved on chain to a new manifest with no blobs. */
function move(w: ReturnType<typeof mirrorWorld>, key: string, n: number): string {
  w.tags.set(key, digestNumbered(n));
  w.manifests.set(digestNumbered(n), []);
  return digestNumbered(n);
}

describe('a live mirror with an index', () => {
  test('a new block that changes no mirrored tag costs no resolution per tag; one that moves a tag, a resolution of that tag', { timeout: 30_000 }, async () => {
    const { indexed, w, it } = await twentyTags();
    const read = w.reads.tagDigest;
    indexed.indexedBlock = 3;
    await passAt(it, 2);
    await passAt(it, 3);
    assert.equal(w.reads.tagDigest - read, 0, 'blocks with no change to the tags cost no resolution per tag');
    assert.ok(indexed.queries.some((q) => /tags \{ name digest \}/.test(q)), 'the tags came from the index with their digests');

    const moved = move(w, 'acme/many:t3', 99);
    indexed.tags.set('acme/many:t3', moved);
    indexed.indexedBlock = 4;
    const status = await passAt(it, 4);
    assert.equal(status.tags.find((t) => t.tag === 't3')?.digest, moved);
    assert.equal(w.reads.tagDigest - read, 1, 'only the moved tag is resolved');
  });

  test('while the index has not processed the block, every tag is resolved, so a tag moved in it is not missed', { timeout: 30_000 }, async () => {
    const { indexed, w, it } = await twentyTags();
    // The chain moved a tag in block 2; the index, still at block 1, lists it at its old digest.
    const moved = move(w, 'acme/many:t5', 77);
    const read = w.reads.tagDigest;
    const status = await passAt(it, 2);
    assert.equal(status.tags.find((t) => t.tag === 't5')?.digest, moved, 'the tag moved in the block is mirrored at its new digest');
    assert.equal(w.reads.tagDigest - read, 20, 'every tag was resolved');
    // Once the index has caught up, a block costs no resolution per tag again.
    indexed.tags.set('acme/many:t5', moved);
    indexed.indexedBlock = 3;
    await passAt(it, 3);
    assert.equal(w.reads.tagDigest - read, 20);
  });
});
