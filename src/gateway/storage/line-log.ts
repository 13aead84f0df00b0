// A small append-only log of text lines in the data dir, read at start: the gateway's state files
// (verified pairs, owner records, login nonces) survive a restart this way. A log is read in
// bounded chunks, never as one string: a file past Node's largest string (~512 MiB) would
// otherwise fail to read at all.
import { appendFileSync, closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

const CHUNK_BYTES = 1 << 20;
/** A line longer than this is no line any log here writes: it is skipped, not held whole. */
const MAX_LINE_CHARS = 64 * 1024;

/** A log that exists but cannot be read (a directory in its place, no permission, an I/O error). */
export class UnreadableLogError extends Error {
  override readonly name = 'UnreadableLogError';
  constructor(readonly file: string, override readonly cause: NodeJS.ErrnoException) {
    super(`${file} cannot be read (${cause.code ?? cause.message})`);
  }
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
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const decoder = new StringDecoder('utf8');
    let carry = '';
    let skipping = false;
    const take = (text: string, last: boolean) => {
      const parts = (carry + text).split('\n');
      carry = last ? '' : parts.pop()!;
      for (const line of parts) {
        if (!skipping && line !== '') visit(line);
        skipping = false;
      }
      if (carry.length > MAX_LINE_CHARS) {
        carry = '';
        skipping = true;
      }
    };
    for (;;) {
      let read: number;
      try {
        read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      } catch (error) {
        throw new UnreadableLogError(file, error as NodeJS.ErrnoException);
      }
      if (read === 0) break;
      take(decoder.write(buffer.subarray(0, read)), false);
    }
    take(decoder.end(), true);
    return true;
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

  /**
   * Calls `visit` with every non-empty line, read in bounded chunks; UnreadableLogError when the
   * file exists but cannot be read (where forgetting its lines is not an option).
   */
  forEach(visit: (line: string) => void): void {
    forEachLine(this.file, visit);
  }

  append(line: string): void {
    appendFileSync(this.file, `${line}\n`);
  }
}
