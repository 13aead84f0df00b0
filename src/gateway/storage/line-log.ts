// A small append-only log of text lines in the data dir, read at start: the gateway's state files
// (verified pairs, owner records, login nonces) survive a restart this way. A log is read in
// bounded chunks, never as one string: a file past Node's largest string (~512 MiB) would
// otherwise fail to read at all.
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';

const CHUNK_BYTES = 1 << 20;
/** A line longer than this is no line any log here writes: it is skipped, not held whole. */
const MAX_LINE_BYTES = 64 * 1024;

/** A log that exists but cannot be read (a directory in its place, no permission, an I/O error). */
export class UnreadableLogError extends Error {
  override readonly name = 'UnreadableLogError';
  constructor(readonly file: string, override readonly cause: NodeJS.ErrnoException) {
    super(`${file} cannot be read (${cause.code ?? cause.message})`);
  }
}

/** Where a reading of a log stands: the byte after the last line taken, and whether that is inside an over-long line. */
export interface LineCursor {
  offset: number;
  skipping: boolean;
}

/**
 * Calls `visit` with each complete non-empty line of the open file `fd` between `cursor.offset`
 * and `end`, read in bounded chunks, and moves the cursor past the last newline (or past the bytes
 * read of an over-long line, which are never read again). Returns the bytes after the last newline:
 * a line still being written, or a file's last line without its newline.
 */
export function readCompleteLines(fd: number, cursor: LineCursor, end: number, visit: (line: string) => void): Buffer {
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, end - cursor.offset)));
  let carry: Buffer[] = [];
  let carryBytes = 0;
  for (let at = cursor.offset; at < end; ) {
    const read = readSync(fd, buffer, 0, Math.min(buffer.length, end - at), at);
    if (read === 0) break;
    const chunk = buffer.subarray(0, read);
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      if (!cursor.skipping) {
        const line = (carry.length === 0 ? chunk.subarray(start, newline) : Buffer.concat([...carry, chunk.subarray(start, newline)])).toString('utf8');
        if (line !== '') visit(line);
      }
      cursor.skipping = false;
      carry = [];
      carryBytes = 0;
      start = newline + 1;
      cursor.offset = at + start;
    }
    at += read;
    if (!cursor.skipping && start < read) {
      carry.push(Buffer.from(chunk.subarray(start)));
      carryBytes += read - start;
      if (carryBytes > MAX_LINE_BYTES) {
        carry = [];
        carryBytes = 0;
        cursor.skipping = true;
      }
    }
    if (cursor.skipping) cursor.offset = at;
  }
  return Buffer.concat(carry, carryBytes);
}

/**
 * Calls `visit` with each non-empty line of `file`, reading it in bounded chunks. False when the
 * file does not exist; UnreadableLogError when it exists but cannot be read.
 */
export function forEachLine(file: string, visit: (line: string) => void): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new UnreadableLogError(file, error as NodeJS.ErrnoException);
  }
  try {
    const last = readCompleteLines(fd, { offset: 0, skipping: false }, fstatSync(fd).size, visit);
    // The last line of a file whose writer stopped before its newline.
    if (last.length > 0) visit(last.toString('utf8'));
    return true;
  } catch (error) {
    throw error instanceof UnreadableLogError ? error : new UnreadableLogError(file, error as NodeJS.ErrnoException);
  } finally {
    closeSync(fd);
  }
}

export class LineLog {
  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  /** Every non-empty line written so far (none when the file does not exist yet, or cannot be read). */
  lines(): string[] {
    const lines: string[] = [];
    try {
      forEachLine(this.file, (line) => lines.push(line));
    } catch {
      return [];
    }
    return lines;
  }

  append(line: string): void {
    appendFileSync(this.file, `${line}\n`);
  }
}
