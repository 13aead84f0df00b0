// Which (owner, digest, CID) records this gateway has put on chain, so a push does not record
// the same blob for the same owner again. Chain storage alone cannot tell (DigestInfoStorage
// keeps only the last writer); the index can, and is asked first when there is one.
import { LineLog } from './line-log';

export class OwnerRecords {
  readonly #log: LineLog;
  readonly #known = new Set<string>();

  constructor(file: string) {
    this.#log = new LineLog(file);
    for (const line of this.#log.lines()) this.#known.add(line);
  }

  has(owner: string, digest: string, cid: string): boolean {
    return this.#known.has(`${owner} ${digest} ${cid}`);
  }

  add(owner: string, digest: string, cid: string): void {
    const key = `${owner} ${digest} ${cid}`;
    if (this.#known.has(key)) return;
    this.#known.add(key);
    this.#log.append(key);
  }
}
