// (digest, CID) pairs whose bytes were hashed and matched, so repeated pulls skip re-hashing;
// kept in a log file in the data dir so a restart does not lose them. CIDs name immutable
// content, so a verified pair stays verified. Mismatches are remembered in memory only, and only
// the most recent ones: anyone can record pairs on chain, so their number is the chain's, and one
// forgotten costs a second hash of its bytes, never a wrong answer.
import { LineLog } from './line-log';

/** Mismatched pairs remembered (about 20 MB of keys); past it the oldest is forgotten first. */
export const MAX_REMEMBERED_MISMATCHES = 100_000;

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

  /** `why`: `unusable` when the CID's content is no file a store here can serve (unusable-cids.ts), not other bytes. */
  markMismatch(digest: string, cid: string, _why: 'other-bytes' | 'unusable' = 'other-bytes'): void {
    const key = `${digest} ${cid}`;
    // Re-added at the end, so that the oldest is the one least recently found wrong.
    this.#bad.delete(key);
    this.#bad.add(key);
    if (this.#bad.size > MAX_REMEMBERED_MISMATCHES) this.#bad.delete(this.#bad.values().next().value!);
  }

  #remember(digest: string, cid: string): void {
    let cids = this.#good.get(digest);
    if (!cids) this.#good.set(digest, (cids = new Set()));
    cids.add(cid);
  }
}
