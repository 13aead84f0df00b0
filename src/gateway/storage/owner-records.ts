// Which (owner, digest, CID) records this gateway has put on chain, so a push does not record
// the same blob for the same owner again. Chain storage alone cannot tell (DigestInfoStorage
// keeps only the last writer); the index can, and is asked first when there is one.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class OwnerRecords {
  readonly #file: string;
  readonly #known = new Set<string>();

  constructor(file: string) {
    this.#file = file;
    mkdirSync(dirname(file), { recursive: true });
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = '';
    }
    for (const line of text.split('\n')) if (line) this.#known.add(line);
  }

  has(owner: string, digest: string, cid: string): boolean {
    return this.#known.has(`${owner} ${digest} ${cid}`);
  }

  add(owner: string, digest: string, cid: string): void {
    const key = `${owner} ${digest} ${cid}`;
    if (this.#known.has(key)) return;
    this.#known.add(key);
    appendFileSync(this.#file, `${key}\n`);
  }
}
