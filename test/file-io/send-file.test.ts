// The file sender under blob downloads: byte ranges of a file come out exact whichever way it
// reads, reads are synchronous while they are fast, and a slow read (as from disk) sends reads to
// the thread pool for a spell, so a cold disk never keeps the event loop waiting read after read.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { readCounts, readTiming } from '../../src/file-io/read-at';
import { sendFileRange } from '../../src/file-io/send-file';

const sha = (bytes: Buffer | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('sending a file range', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hcr-send-file-'));
  const path = join(dir, 'blob');
  const content = randomBytes(3 * 1024 * 1024 + 12_345);
  let server: Server;
  let url: string;
  const defaults = { ...readTiming };

  before(async () => {
    writeFileSync(path, content);
    server = createServer(async (req, res) => {
      const [offset, length] = (new URL(req.url!, 'http://x').searchParams.get('range') ?? `0,${content.length}`).split(',').map(Number);
      const file = await open(path);
      res.writeHead(200, { 'content-length': String(length) });
      try {
        await sendFileRange(res, file, offset, length);
      } finally {
        await file.close();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterEach(() => Object.assign(readTiming, defaults));
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (offset: number, length: number) => Buffer.from(await (await fetch(`${url}?range=${offset},${length}`)).arrayBuffer());

  test('the whole file and ranges of it, across buffer boundaries, come out exact', async () => {
    assert.equal(sha(await get(0, content.length)), sha(content));
    for (const [offset, length] of [[0, 1], [524_287, 2], [1_000_000, 1_500_000], [content.length - 7, 7], [3, 524_288 * 3 + 1]]) {
      assert.equal(sha(await get(offset, length)), sha(content.subarray(offset, offset + length)), `bytes ${offset}+${length}`);
    }
  });

  test('reads are synchronous while they are fast', async () => {
    readTiming.slowReadMs = 60_000;
    const before = { ...readCounts };
    assert.equal(sha(await get(0, content.length)), sha(content));
    assert.ok(readCounts.sync - before.sync >= 7, `${readCounts.sync - before.sync} synchronous reads for 3 MiB in 512 KiB buffers`);
    assert.equal(readCounts.async, before.async);
  });

  test('a slow read sends the following reads to the thread pool for a spell, then they are tried synchronously again', async () => {
    readTiming.slowReadMs = -1; // every read counts as slow
    readTiming.asyncSpellMs = 60_000;
    let before = { ...readCounts };
    assert.equal(sha(await get(0, content.length)), sha(content));
    assert.equal(readCounts.sync - before.sync, 1, 'only the first read was synchronous');
    assert.ok(readCounts.async - before.async >= 6, 'the rest went to the thread pool');
    assert.ok(readTiming.asyncUntil > performance.now());
    readTiming.asyncUntil = 0; // the spell is over
    readTiming.slowReadMs = 60_000;
    before = { ...readCounts };
    assert.equal(sha(await get(0, content.length)), sha(content));
    assert.equal(readCounts.async, before.async);
    assert.ok(readCounts.sync > before.sync);
  });
});
