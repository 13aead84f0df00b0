// The cleanup sweep against pushes, uploads and mounts that bring an old, unreferenced blob into
// use while it runs: none of them may end with the chain or a record pointing at bytes the sweep
// took away (storage/digest-holds.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { DigestHolds } from '../../src/gateway/storage/digest-holds';
import { makeImage, pushBlob, pushImage, randomBlob, type Blob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const DAY_MS = 24 * 3600_000;

describe('digest holds', () => {
  it('lets the sweep take a digest only while nothing holds it, and makes a hold wait for the sweep to finish with it', async () => {
    const holds = new DigestHolds();
    const release = await holds.hold(['a', 'b', 'a']);
    assert.equal(holds.sweep('a'), undefined, 'the sweep took a held digest');
    const again = await holds.hold(['a']);
    release();
    release();
    assert.equal(holds.isHeld('a'), true, 'a second holder lost its hold when the first let go twice');
    assert.equal(holds.sweep('a'), undefined);
    again();
    assert.equal(holds.isHeld('a'), false);
    assert.equal(holds.isHeld('b'), false);

    const sweepDone = holds.sweep('a');
    assert.ok(sweepDone, 'the sweep could not take a digest nothing holds');
    assert.equal(holds.sweep('a'), undefined, 'two sweeps took one digest');
    let holding = false;
    const waiting = holds.holding(['c', 'a'], async () => {
      holding = true;
      return 7;
    });
    await delay(20);
    assert.equal(holding, false, 'a hold began while the sweep was at work on its digest');
    sweepDone();
    assert.equal(await waiting, 7);
    assert.equal(holding, true);
    assert.equal(holds.isHeld('a'), false, 'holding() did not let go');

    await assert.rejects(holds.holding(['d'], async () => {
      throw new Error('failed');
    }), /failed/);
    assert.ok(holds.sweep('d'), 'a failed holder kept its hold');
  });
});

describe('the cleanup sweep racing what brings a blob into use', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  const cidOf = async (digest: string) => (await t.gateway.gateway.context.local.get(digest))?.cid;

  async function pulled(name: string, blob: Blob): Promise<boolean> {
    const response = await fetch(`${t.url}/v2/${name}/blobs/${blob.digest}`);
    return response.status === 200 && Buffer.from(await response.arrayBuffer()).equals(blob.bytes);
  }

  it('keeps the blobs of a push whose chain record lands while a sweep runs, though they were old and unreferenced when it began', async () => {
    const { context } = t.gateway.gateway;
    const image = makeImage([randomBlob(3000), randomBlob(4000)]);
    for (const layer of image.layers) assert.equal((await pushBlob(t.url, 'acme/racing', layer)).status, 201);
    assert.equal((await pushBlob(t.url, 'acme/racing', image.config)).status, 201);
    // The sweep runs while the chain takes the push's records: its clock two days on, the blobs
    // uploaded now are past the limit and no manifest references them yet.
    const recorder = context.recorder!;
    const swept: Awaited<ReturnType<typeof t.gateway.gateway.sweep>>[] = [];
    const record = recorder.record.bind(recorder);
    recorder.record = async (records) => {
      swept.push(await t.gateway.gateway.sweep(Date.now() + 2 * DAY_MS));
      return record(records);
    };
    try {
      assert.equal((await pushImage(t.url, 'acme/racing', 'v1', image)).status, 201);
    } finally {
      delete (recorder as { record?: unknown }).record;
    }
    assert.equal(swept.length, 1, 'the sweep did not run during the push');
    for (const blob of [...image.layers, image.config]) {
      const cid = await cidOf(blob.digest);
      assert.ok(cid, `the sweep removed the record of ${blob.digest} the push was recording`);
      assert.equal(await t.store.isPinned(cid), true, `the sweep unpinned ${blob.digest} the push was recording`);
      assert.equal(await pulled('acme/racing', blob), true, `${blob.digest}, recorded on chain by the push, cannot be pulled`);
    }
    // Referenced now: a later sweep keeps them too.
    await t.gateway.gateway.sweep(Date.now() + 2 * DAY_MS);
    for (const blob of image.layers) assert.equal(await pulled('acme/racing', blob), true);
  });

  it('keeps a blob uploaded again while the sweep removes its old copy: the upload waits, then pins it and records it anew', async () => {
    const { context } = t.gateway.gateway;
    const blob = randomBlob(6000);
    assert.equal((await pushBlob(t.url, 'acme/again', blob)).status, 201);
    const cid = (await cidOf(blob.digest))!;
    // Uploaded two days ago, never referenced: the sweep's to take.
    await context.local.commit({ digest: blob.digest, cid, size: blob.size, committedAt: Date.now() - 2 * DAY_MS }, 'acme/again');
    let upload: Promise<Response> | undefined;
    const unpin = context.store.unpin.bind(context.store);
    context.store.unpin = async (unpinned: string) => {
      if (unpinned === cid && !upload) {
        // The client uploads the same bytes again just as the sweep releases the old copy.
        upload = pushBlob(t.url, 'acme/again', blob);
        await delay(300);
      }
      return unpin(unpinned);
    };
    let result;
    try {
      result = await t.gateway.gateway.sweep(Date.now());
    } finally {
      delete (context.store as { unpin?: unknown }).unpin;
    }
    assert.ok(upload, 'the sweep did not release the old copy');
    assert.equal(result.blobs >= 1, true, 'the old copy was not swept');
    assert.equal((await upload).status, 201);
    const record = await context.local.get(blob.digest);
    assert.ok(record, 'the new upload has no record: a manifest referencing it would be refused');
    assert.equal(await t.store.isPinned(record.cid), true, 'the new upload is not pinned: garbage collection would take it');
    assert.equal(await pulled('acme/again', blob), true);
  });

  it('gives a mounted blob the time an upload would get before the cleanup', async () => {
    const { context } = t.gateway.gateway;
    const blob = randomBlob(2000);
    assert.equal((await pushBlob(t.url, 'acme/source', blob)).status, 201);
    const cid = (await cidOf(blob.digest))!;
    await context.local.commit({ digest: blob.digest, cid, size: blob.size, committedAt: Date.now() - 2 * DAY_MS }, 'acme/source');
    const mount = await fetch(`${t.url}/v2/acme/mounted/blobs/uploads/?mount=${blob.digest}&from=acme/source`, { method: 'POST' });
    assert.equal(mount.status, 201);
    await t.gateway.gateway.sweep(Date.now());
    assert.ok(await context.local.get(blob.digest), 'a blob mounted a moment ago was swept as two days old');
    assert.equal(await pulled('acme/mounted', blob), true);
  });
});
