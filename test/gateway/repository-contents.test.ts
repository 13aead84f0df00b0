// What the gateway remembers of repositories, against requests for names made up by the
// thousand: the records of manifests pushed here are read once for all those names (and a push
// is seen at once, another process's within the view's time), and names that hold nothing do
// not pile up in memory, while a repository in use stays known.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { parseName } from '../../src/gateway/oci/reference';
import { RepositoryContents } from '../../src/gateway/resolve/repository-contents';
import type { Resolver } from '../../src/gateway/resolve/resolver';
import type { VerifiedContent } from '../../src/gateway/resolve/verified-content';
import { type LocalBlob, LocalBlobs } from '../../src/gateway/storage/local-blobs';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function recordsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hcr-local-records-'));
  dirs.push(dir);
  return dir;
}

const digest = () => `sha256:${randomBytes(32).toString('hex')}`;
const manifest = (repository: string): LocalBlob => ({ digest: digest(), cid: 'bafkreiexample', size: 100, committedAt: Date.now(), kind: 'manifest', repositories: [repository] });

/** Counts the reads of every record. */
function counted(local: LocalBlobs): { local: LocalBlobs; lists: () => number } {
  let lists = 0;
  const list = local.list.bind(local);
  local.list = () => {
    lists += 1;
    return list();
  };
  return { local, lists: () => lists };
}

describe('what the gateway remembers of repositories', () => {
  test('reads the records of pushed manifests once for a thousand names, sees its own push at once and another process\'s within the view\'s time', async () => {
    const dir = recordsDir();
    const { local, lists } = counted(new LocalBlobs(dir, { manifestViewMs: 400 }));
    const pushed = manifest('acme/web');
    await local.put(pushed);
    for (let i = 0; i < 50; i++) await local.put({ ...manifest('acme/other'), kind: 'blob' });
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => local.manifestsOf(`made/up-${i}`)));
    assert.ok(answers.every((digests) => digests.length === 0));
    assert.deepEqual(await local.manifestsOf('acme/web'), [pushed.digest]);
    assert.equal(lists(), 1, 'every record was read once');

    const mine = manifest('acme/web');
    await local.put(mine);
    assert.deepEqual((await local.manifestsOf('acme/web')).sort(), [pushed.digest, mine.digest].sort(), 'a push here is seen at once');
    const theirs = manifest('acme/web');
    await new LocalBlobs(dir).put(theirs);
    await delay(450);
    assert.ok((await local.manifestsOf('acme/web')).includes(theirs.digest), 'another process\'s push is seen once the view is renewed');
    assert.equal(lists(), 2);
  });

  test('reads the records again, when its view is due, only if their folder changed since', async () => {
    const dir = recordsDir();
    const { local, lists } = counted(new LocalBlobs(dir, { manifestViewMs: 0 }));
    const pushed = manifest('acme/web');
    await local.put(pushed);
    // Past the time within which the folder may change again without its time moving.
    await delay(1_100);
    for (let i = 0; i < 5; i++) assert.deepEqual(await local.manifestsOf('acme/web'), [pushed.digest]);
    assert.equal(lists(), 1, 'the records were read again though nothing changed');
    const theirs = manifest('acme/web');
    await new LocalBlobs(dir).put(theirs);
    assert.deepEqual((await local.manifestsOf('acme/web')).sort(), [pushed.digest, theirs.digest].sort(), 'another process\'s push is not seen');
    assert.equal(lists(), 2);
  });

  test('forgets names that hold nothing past its bound, and keeps the repository in use', async () => {
    const local = new LocalBlobs(recordsDir());
    // Nothing is recorded for any name: what a request for a made-up one finds.
    const resolver = { owner: async () => ({ account: '5Example' }), index: undefined, imported: undefined, chain: { tags: async () => [] } } as unknown as Resolver;
    const content = { manifest: async () => assert.fail('no manifest is read for names that record none') } as unknown as VerifiedContent;
    const contents = new RepositoryContents({ resolver, content, local, log: () => undefined, maxRepositories: 100 });
    const web = parseName('acme/web');
    const layer = digest();
    contents.vouch(web, layer, 'blob', 10);
    for (let i = 0; i < 2_000; i++) {
      assert.equal(await contents.holds(parseName(`made/up-${i}`), layer, 'blob'), false);
      // The repository in use is asked for now and then, as pulls of it go on.
      if (i % 50 === 0) assert.equal(await contents.holds(web, layer, 'blob'), true);
    }
    assert.ok(contents.remembered.repositories <= 100, `${contents.remembered.repositories} repositories remembered`);
    assert.equal(await contents.holds(web, layer, 'blob'), true, 'the repository in use is still known');
    assert.equal(contents.remembered.digests, 1);
  });
});
