// StreamingImport: the queue between an upload and its IPFS import. It holds back the upload
// when the import falls behind, never blocks it once the import is gone, and passes the bytes
// on in order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StreamingImport } from '../../src/gateway/storage/streaming-import';
import type { PutResult } from '../../src/ipfs/blob-store';

/** Whether the promise has settled after everything queued so far has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

/** A store write that reads only when told to, and reports what it read. */
function controlledStore() {
  const read: Uint8Array[] = [];
  let allow = 0;
  let wake: (() => void) | undefined;
  let signal: AbortSignal | undefined;
  const start = async (source: AsyncIterable<Uint8Array>, abort: AbortSignal): Promise<PutResult> => {
    signal = abort;
    const iterator = source[Symbol.asyncIterator]();
    for (;;) {
      while (allow === 0) await new Promise<void>((resolve) => (wake = resolve));
      allow--;
      const next = await iterator.next();
      if (next.done) break;
      read.push(next.value);
    }
    const size = read.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    return { cid: `bafk-test-${size}`, size };
  };
  return {
    start,
    read,
    signal: () => signal,
    readChunks(count: number) {
      allow += count;
      wake?.();
    },
  };
}

describe('StreamingImport', () => {
  it('holds the upload back once the queue is full, and lets it go on as the import reads', async () => {
    const store = controlledStore();
    const streaming = new StreamingImport(store.start, 10);
    assert.equal(await settled(streaming.push(new Uint8Array(6))), true, 'room left after 6 of 10 bytes');
    const full = streaming.push(new Uint8Array(6));
    assert.equal(await settled(full), false, 'the push that fills the queue waits');
    store.readChunks(1);
    assert.equal(await settled(full), true, 'it goes on once the import has taken a chunk');
    assert.equal(streaming.fed, 12);
  });

  it('passes the chunks on in order and ends with the store\'s result', async () => {
    const store = controlledStore();
    const streaming = new StreamingImport(store.start);
    const chunks = [Uint8Array.of(1, 2), Uint8Array.of(3), Uint8Array.of(4, 5, 6)];
    for (const chunk of chunks) await streaming.push(chunk);
    store.readChunks(10);
    assert.deepEqual(await streaming.end(), { cid: 'bafk-test-6', size: 6 });
    assert.deepEqual(store.read, chunks);
    assert.equal(streaming.usable, false, 'an ended import takes no more bytes');
  });

  it('once the store fails, drops chunks without waiting and reports the failure on end()', async () => {
    const failure = new Error('IPFS is down');
    const streaming = new StreamingImport(async () => {
      throw failure;
    }, 4);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(streaming.usable, false);
    assert.equal(await settled(streaming.push(new Uint8Array(100))), true, 'a failed import never holds the upload back');
    await assert.rejects(streaming.end(), failure);
  });

  it('abandon() cancels the store write, releases a waiting upload, and makes end() fail', async () => {
    const store = controlledStore();
    const streaming = new StreamingImport(store.start, 4);
    const waiting = streaming.push(new Uint8Array(8));
    assert.equal(await settled(waiting), false);
    streaming.abandon();
    assert.equal(await settled(waiting), true);
    assert.equal(store.signal()?.aborted, true);
    await assert.rejects(streaming.end(), /abandoned/);
    // The store's read of the abandoned source fails rather than ending as if the bytes were complete.
    store.readChunks(10);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(store.read, []);
  });
});
