// The cleanup removes uploads left unfinished, a day after they started. It removed every upload
// that old, whatever was happening to it: a large layer sent slowly lost the chunk still arriving
// (cut off, 404) and the whole upload with it, and an upload being committed had its file taken
// from under the commit. Now an upload is removed only when it is idle: no request at work on
// it, no commit begun, and no chunk since the cutoff.
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { heldRequest } from './helpers/held-request';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { randomBlob } from './helpers/oci-client';

const DAY_MS = 24 * 3600_000;

describe('the cleanup and uploads still in use', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  const start = async (repository: string) => {
    const response = await fetch(`${t.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    assert.equal(response.status, 202, await response.clone().text());
    return new URL(response.headers.get('location')!, t.url).href;
  };
  const put = (location: string, digest: string) => fetch(`${location}${location.includes('?') ? '&' : '?'}digest=${digest}`, { method: 'PUT' });
  const pulled = async (repository: string, digest: string) => Buffer.from(await (await fetch(`${t.url}/v2/${repository}/blobs/${digest}`)).arrayBuffer());
  const sessionDir = (location: string) => join(t.dataDir, 'gateway', 'uploads', new URL(location).pathname.split('/').pop()!);

  it('lets a chunk still arriving when the sweep runs finish, and the upload be committed', async () => {
    const blob = randomBlob(256 * 1024);
    const location = await start('acme/slow');
    const chunk = heldRequest(location, { method: 'PATCH', headers: { 'content-type': 'application/octet-stream' } }, blob.bytes.subarray(0, 1000), blob.bytes.subarray(1000));
    // The chunk's first bytes are in: the gateway is writing it.
    await delay(300);
    const swept = await t.gateway.gateway.sweep(Date.now() + 2 * DAY_MS);
    assert.equal(swept.uploads, 0, 'the sweep removed an upload receiving a chunk');
    const answer = await chunk.finish();
    assert.equal(answer.status, 202, await answer.text());
    const committed = await put(new URL(answer.headers.get('location')!, t.url).href, blob.digest);
    assert.equal(committed.status, 201, await committed.text());
    assert.deepEqual(await pulled('acme/slow', blob.digest), blob.bytes);
  });

  it('lets an upload whose commit has begun be committed', async () => {
    const blob = randomBlob(64 * 1024);
    const location = await start('acme/committing');
    const patched = await fetch(location, { method: 'PATCH', headers: { 'content-type': 'application/octet-stream' }, body: blob.bytes });
    assert.equal(patched.status, 202);
    // The sweep runs right after the commit's check of the upload, before its bytes are stored.
    const uploads = t.gateway.gateway.context.uploads;
    const finish = uploads.finish.bind(uploads);
    const sweeps: number[] = [];
    uploads.finish = async (...args: Parameters<typeof finish>) => {
      const finished = await finish(...args);
      sweeps.push((await t.gateway.gateway.sweep(Date.now() + 2 * DAY_MS)).uploads);
      return finished;
    };
    try {
      const committed = await put(new URL(patched.headers.get('location')!, t.url).href, blob.digest);
      assert.equal(committed.status, 201, await committed.text());
    } finally {
      uploads.finish = finish;
    }
    assert.deepEqual(sweeps, [0], 'the sweep removed an upload being committed');
    assert.deepEqual(await pulled('acme/committing', blob.digest), blob.bytes);
  });

  it('keeps an old upload that received a chunk since the cutoff, and removes it once it has been idle that long', async () => {
    const blob = randomBlob(32 * 1024);
    const location = await start('acme/paused');
    const patched = await fetch(location, { method: 'PATCH', headers: { 'content-type': 'application/octet-stream' }, body: blob.bytes.subarray(0, 1000) });
    assert.equal(patched.status, 202);
    const next = new URL(patched.headers.get('location')!, t.url).href;
    // Started two days ago, its last chunk just now.
    const meta = join(sessionDir(location), 'session.json');
    writeFileSync(meta, JSON.stringify({ ...JSON.parse(readFileSync(meta, 'utf8')), startedAt: Date.now() - 2 * DAY_MS }));
    assert.equal((await t.gateway.gateway.sweep()).uploads, 0, 'an upload sent to minutes ago was removed for its start');
    assert.equal((await fetch(next)).status, 204, 'the upload is gone');

    // Its last chunk two days ago too: left unfinished.
    const old = new Date(Date.now() - 2 * DAY_MS);
    utimesSync(join(sessionDir(location), 'data'), old, old);
    assert.equal((await t.gateway.gateway.sweep()).uploads, 1, 'an idle old upload was kept');
    assert.equal((await fetch(next)).status, 404);
  });
});
