// While the chain (or the index) cannot be reached, a live mirror's lookups of tags fail. Such a
// failure says nothing of the tag or its content: it must not grow the tag's wait between tries,
// or tags that moved or went missing during an outage stay missing for up to 10 minutes after
// the chain is back; and the first lookup an outage fails ends a pass's retries, which would each
// fail the same way. The chain and the index are scripted stand-ins that go down and come back.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ChainUnavailableError } from '../../src/gateway/errors/from-internal';
import type { Mirror, MirrorStatus } from '../../src/gateway/mirror/mirror';
import type { RepositoryName } from '../../src/gateway/oci/reference';
import { IndexUnavailableError } from '../../src/gateway/resolve/index-http';
import { digestNumbered, mirrorOver, mirrorWorld, type MirrorWorld, until } from './helpers/mirror-world';

const mirrors: Mirror[] = [];
after(() => {
  for (const mirror of mirrors) mirror.stop();
});

/** Chain storage's tags: a lookup of one fails as the gateway's chain reader fails while `down`. */
class ChainTags extends Map<string, string> {
  down = false;

  override get(key: string): string | undefined {
    if (this.down) throw new ChainUnavailableError('the chain is not connected, so the tag cannot be read from chain storage');
    return super.get(key);
  }
}

function outageWorld(): MirrorWorld & { tags: ChainTags } {
  return { ...mirrorWorld(), tags: new ChainTags() };
}

/** An index that lists the repositories and each image's tags from `tags`; `failing` says when its tag listings fail. */
function scriptedIndex(tags: ReadonlyMap<string, string>, failing: () => boolean) {
  const entries = () => [...Map.prototype.entries.call(tags)] as [string, string][];
  return {
    repositories: async () => [...new Set(entries().map(([key]) => key.split(':')[0]))],
    tagDigests: async (name: RepositoryName) => {
      if (failing()) throw new IndexUnavailableError('the index refused the request (429) every time it was sent');
      return {
        tags: entries().filter(([key]) => key.startsWith(`${name.full}:`)).map(([key, digest]) => ({ tag: key.slice(name.full.length + 1), digest })),
        // It has processed every block the mirror is told of: its digests are current.
        indexedBlock: Number.MAX_SAFE_INTEGER,
      };
    },
  };
}

/** Announces block `n` and waits for the pass it starts (passes start at most once a second). */
async function passAt(it: { mirror: Mirror; block: (n: number) => void }, n: number): Promise<MirrorStatus> {
  it.block(n);
  await delay(1_050);
  await it.mirror.settled();
  await it.mirror.settled();
  return it.mirror.status();
}

/** A started mirror over `world` whose index stays up, listing tags from `indexed` (chain storage is asked only for each tag's record). */
async function startListingThroughIndex(world: MirrorWorld, indexed: ReadonlyMap<string, string>): Promise<ReturnType<typeof mirrorOver>> {
  const it = mirrorOver(world, {
    index: scriptedIndex(indexed, () => false),
    chain: {
      tags: async () => {
        throw new Error('with the index up, the mirror lists tags through it');
      },
    },
  });
  mirrors.push(it.mirror);
  await it.mirror.start();
  return it;
}

const webTag = (status: MirrorStatus) => status.tags.find((t) => t.repository === 'acme/web' && t.tag === '1.0');

describe('a live mirror while the chain is down', () => {
  test('a tag whose image could not be listed during an outage is mirrored again at the first pass once the chain is back', { timeout: 30_000 }, async () => {
    const world = outageWorld();
    world.tags.set('acme/web:1.0', digestNumbered(1));
    world.manifests.set(digestNumbered(1), [digestNumbered(2)]);
    // The index answers the catalog throughout, but not the image's tags while the chain is down;
    // chain storage, the listing's fallback, cannot be read then either.
    const it = mirrorOver(world, {
      index: scriptedIndex(world.tags, () => world.tags.down),
      chain: {
        tags: async () => {
          if (world.tags.down) throw new ChainUnavailableError('the chain is not connected, so the tags cannot be read from chain storage');
          throw new Error('with the index up, the mirror lists tags through it');
        },
      },
    });
    mirrors.push(it.mirror);
    await it.mirror.start();
    await until('the tag is mirrored', () => it.mirror.status(), (s) => webTag(s)?.state === 'mirrored');

    world.tags.down = true;
    // A pass at every block of the outage: each one fails the tag's lookup.
    let status: MirrorStatus | undefined;
    for (let n = 2; n <= 7; n++) status = await passAt(it, n);
    const during = webTag(status!);
    assert.equal(during?.state, 'missing', 'the tag is shown missing while its image cannot be listed');
    assert.match(during?.error ?? '', /not connected/, 'and why');
    assert.ok(Date.parse(during!.nextTry!) - Date.now() <= 5_000, `an outage does not make the tag wait longer: next try ${during?.nextTry}`);

    world.tags.down = false;
    const back = Date.now();
    it.block(8);
    await until('the tag is mirrored again soon after the chain is back', () => it.mirror.status(), (s) => webTag(s)?.state === 'mirrored', 3_000);
    assert.ok(Date.now() - back < 3_000);
  });

  test('a tag moved during an outage is mirrored within a retry of the chain coming back', { timeout: 60_000 }, async () => {
    const world = outageWorld();
    world.tags.set('acme/web:1.0', digestNumbered(1));
    world.manifests.set(digestNumbered(1), [digestNumbered(2)]);
    world.manifests.set(digestNumbered(3), [digestNumbered(4)]);
    // The index has its own node and stays up: it lists the tag at the digest it was moved to.
    const indexed = new Map(world.tags.entries());
    const it = await startListingThroughIndex(world, indexed);
    await until('the tag is mirrored', () => it.mirror.status(), (s) => webTag(s)?.state === 'mirrored');

    world.tags.down = true;
    world.tags.set('acme/web:1.0', digestNumbered(3));
    indexed.set('acme/web:1.0', digestNumbered(3));
    // Blocks keep coming while the gateway cannot read the chain, until the moved tag's lookup
    // has failed three times (its wait, were it doubled, would then be 20 s).
    const read = world.reads.tagDigest;
    for (let n = 2; world.reads.tagDigest - read < 3; n++) {
      assert.ok(n < 40, 'the moved tag is looked up again during the outage');
      await passAt(it, n);
    }
    const during = webTag(it.mirror.status());
    assert.equal(during?.state, 'missing');
    assert.ok(Date.parse(during!.nextTry!) - Date.now() <= 5_000, `an outage does not make the tag wait longer: next try ${during?.nextTry}`);

    world.tags.down = false;
    const back = Date.now();
    let n = 100;
    // Blocks come again (passes start at most once a second, however often they are announced).
    const status = await until('the moved tag is mirrored within a retry of the chain coming back', () => {
      it.block(n++);
      return it.mirror.status();
    }, (s) => webTag(s)?.state === 'mirrored' && webTag(s)?.digest === digestNumbered(3), 9_000);
    assert.equal(webTag(status)?.digest, digestNumbered(3));
    assert.ok(Date.now() - back < 9_000);
  });

  test('a pass stops retrying missing tags at the first lookup an outage fails', { timeout: 60_000 }, async () => {
    const world = outageWorld();
    const tags = Array.from({ length: 10 }, (_, i) => `acme/web:${i}`);
    // Every tag's record names no digest a pull could ask for: each is missing, and retried once
    // its wait is over, each retry's lookup going to chain storage, which goes down. The index
    // stays up.
    tags.forEach((key, i) => world.tags.set(key, `sha256:not-a-digest-${i}`));
    const indexed = new Map(world.tags.entries());
    const it = await startListingThroughIndex(world, indexed);
    await until('every tag is shown missing', () => it.mirror.status(), (s) => s.tags.filter((t) => t.state === 'missing').length === tags.length);

    world.tags.down = true;
    // Passes until one has retried: the tags' first waits (5 s) are over.
    const before = world.reads.tagDigest;
    for (let n = 2; world.reads.tagDigest === before; n++) {
      assert.ok(n < 20, 'the missing tags are retried during the outage');
      await passAt(it, n);
    }
    assert.equal(world.reads.tagDigest - before, 1, 'one lookup failed by the outage ends the pass\'s retries');
  });
});
