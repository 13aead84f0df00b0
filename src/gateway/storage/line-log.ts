// A small append-only log of text lines in the data dir, read whole at start: the gateway's
// state files (verified pairs, owner records, login nonces) survive a restart this way.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class LineLog {
  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  /** Every non-empty line written so far (none when the file does not exist yet). */
  lines(): string[] {
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').filter((line) => line !== '');
  }

  append(line: string): void {
    appendFileSync(this.file, `${line}\n`);
  }
}
