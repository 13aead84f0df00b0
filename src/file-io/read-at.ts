// Reads a piece of an open file for the senders of bytes (blob downloads, the embedded IPFS
// store's answers to cat and to CAR requests).
//
// Reads are synchronous while the page cache answers them. Such a read takes tens of
// microseconds, less than the round trip through libuv's thread pool that an asynchronous read
// costs, and those round trips left the socket idle: measured on loopback, a 100 MiB download went
// from 0.98× to 1.08× of docker-registry's (which uses sendfile), and 50 clients pulling one image
// at once from 0.97× to 1.21×. A read from disk would stall every request the event loop serves,
// so one that had to read blocks from a device (the process's block-input count grew) or took
// longer than readTiming.slowReadMs sends every reader's reads to the thread pool for
// readTiming.asyncSpellMs; then they are tried synchronously again. Wall time alone would not
// do: on a busy machine a read from memory is often descheduled for milliseconds.
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** When reads go to the thread pool instead; exported for tests. */
export const readTiming = { slowReadMs: 100, asyncSpellMs: 10_000, asyncUntil: 0 };
/** Reads done each way since the process started; exported for tests. */
export const readCounts = { sync: 0, async: 0 };

/** Reads `length` bytes at `position` into `buffer`; resolves with the bytes read. */
export async function readAt(file: FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
  if (performance.now() < readTiming.asyncUntil) {
    readCounts.async++;
    return (await file.read(buffer, 0, length, position)).bytesRead;
  }
  readCounts.sync++;
  const blocksBefore = process.resourceUsage().fsRead;
  const started = performance.now();
  const bytesRead = readSync(file.fd, buffer, 0, length, position);
  const finished = performance.now();
  if (process.resourceUsage().fsRead > blocksBefore || finished - started > readTiming.slowReadMs) readTiming.asyncUntil = finished + readTiming.asyncSpellMs;
  return bytesRead;
}

