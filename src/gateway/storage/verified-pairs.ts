// (digest, CID) pairs whose bytes were hashed and matched, so repeated pulls skip re-hashing;
// kept in a log file in the data dir so a restart does not lose them. CIDs name immutable
// content, so a verified pair stays verified. Mismatches are remembered in memory only.
import { LineLog } from './line-log';

export class VerifiedPairs {
  readonly #good = new Map<string, Set<string>>();
  readonly #bad = new Set<string>();
  readonly #log: LineLog;

  constructor(file: string) {
    this.#log = new LineLog(file);
    for (const line of this.#log.lines()) {
      const [digest, cid] = line.split(' ');
      if (digest && cid) this.#remember(digest, cid);
    }
  }

  isVerified(digest: string, cid: string): boolean {
    return this.#good.get(digest)?.has(cid) ?? false;
  }

  isMismatch(digest: string, cid: string): boolean {
    return this.#bad.has(`${digest} ${cid}`);
  }

  /** Verified CIDs of a digest. */
  cidsOf(digest: string): string[] {
    return [...(this.#good.get(digest) ?? [])];
  }

  markVerified(digest: string, cid: string): void {
    if (this.isVerified(digest, cid)) return;
    this.#remember(digest, cid);
    this.#log.append(`${digest} ${cid}`);
  }

  markMismatch(digest: string, cid: string): void {
    this.#bad.add(`${digest} ${cid}`);
  }

  #remember(digest: string, cid: string): void {
    let cids = this.#good.get(digest);
    if (!cids) this.#good.set(digest, (cids = new Set()));
    cids.add(cid);
  }
}
