// Upload sessions against clients that leave them open or send chunks that are not what they
// say: an idle session lets its IPFS import (and the buffers it holds) go, and its commit imports
// the file instead; a chunked PATCH must carry exactly the bytes its Content-Range covers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import type { ImportStarter } from '../../src/gateway/storage/streaming-import';
import { uploadImporter, storeUpload } from '../../src/gateway/storage/upload-import';
import { UploadSessions } from '../../src/gateway/storage/upload-sessions';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { digestOf, ociErrors } from './helpers/oci-client';

describe('upload sessions', () => {
  const dirs: string[] = [];
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('let an idle upload\'s IPFS import go, and commit it by importing the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcr-idle-upload-'));
    dirs.push(dir);
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dir));
    try {
      // The embedded store's own importer, watched for being cancelled.
      const signals: AbortSignal[] = [];
      const real = uploadImporter(store);
      const watched: ImportStarter = (source, signal) => {
        signals.push(signal);
        return real(source, signal);
      };
      const sessions = new UploadSessions(join(dir, 'uploads'), watched, { importIdleMs: 300 });
      const bytes = randomBytes(3 * 1024 * 1024);

      const busy = await sessions.create('acme/busy');
      await sessions.append(busy, Readable.from([bytes.subarray(0, 1024 * 1024)]));
      await delay(100);
      await sessions.append(busy, Readable.from([bytes.subarray(1024 * 1024)]));
      await delay(100);
      const finishedBusy = await sessions.finish(busy, digestOf(bytes));
      assert.equal(signals[0].aborted, false, 'chunks within the idle limit keep the import');
      assert.ok(finishedBusy.imported, 'the busy upload commits from its import');
      await finishedBusy.imported;
      await sessions.remove(busy);

      const idle = await sessions.create('acme/idle');
      await sessions.append(idle, Readable.from([bytes.subarray(0, 1024 * 1024)]));
      await delay(700);
      assert.equal(signals[1].aborted, true, 'the idle upload\'s import was let go');
      await sessions.append(idle, Readable.from([bytes.subarray(1024 * 1024)]));
      const finished = await sessions.finish(idle, digestOf(bytes));
      assert.equal(finished.digest, digestOf(bytes));
      assert.equal(finished.imported, undefined, 'no import covers the upload any more');
      const { stored } = await storeUpload(store, idle, finished.size, finished.imported, () => undefined);
      const read: Buffer[] = [];
      for await (const piece of await store.get(stored.cid)) read.push(piece as Buffer);
      assert.ok(Buffer.concat(read).equals(bytes), 'the file was imported whole at the commit');
      await sessions.remove(idle);
    } finally {
      await store.close();
    }
  });

  test('refuse a chunked PATCH whose bytes are not what its Content-Range covers, keeping the upload where it was', async () => {
    const location = (await fetch(`${t.url}/v2/acme/ranged/blobs/uploads/`, { method: 'POST' })).headers.get('location')!;
    const patch = (body: Buffer, range: string) =>
      fetch(`${t.url}${location}`, { method: 'PATCH', headers: { 'Content-Range': range }, body: Readable.toWeb(Readable.from([body])) as ReadableStream, duplex: 'half' } as RequestInit);
    const first = randomBytes(100);
    const long = await patch(first, '0-9');
    assert.equal(long.status, 400);
    const [error] = await ociErrors(long);
    assert.equal(error.code, 'SIZE_INVALID');
    assert.match(error.message, /Content-Range 0-9 covers 10 bytes but 100 arrived/);
    const status = await fetch(`${t.url}${location}`);
    assert.equal(status.headers.get('range'), '0-0', 'nothing of the refused chunk was kept');
    assert.equal((await patch(first, '0-99')).status, 202);
    const done = await fetch(`${t.url}${location}?digest=${digestOf(first)}`, { method: 'PUT' });
    assert.equal(done.status, 201);
  });
});
