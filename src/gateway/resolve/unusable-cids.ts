// CIDs recorded for a digest whose content no store here can serve as a file (InvalidCidError:
// a DAG deeper than any import makes, a directory, a codec of no file). That is a fault of the
// content, which a CID names immutably, so the pair can never become the digest's bytes: it is
// marked as a mismatch (VerifiedPairs), and later reads pass it over for the next candidate
// instead of streaming from it and being cut short again. Why it was refused is kept here, so
// that a digest left with no usable CID is answered with the reason, not "still propagating".
import type { VerifiedPairs } from '../storage/verified-pairs';

/** Reasons remembered at most (the oldest go first); one forgotten leaves a plainer message only. */
const MAX_REASONS = 10_000;
/** A reason's length kept: enough to name the fault, little memory. */
const MAX_REASON_CHARS = 200;

/** Whether a store's failure says the CID's content is unusable, rather than missing or unreachable. */
export function isUnusable(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'InvalidCidError';
}

export class UnusableCids {
  readonly #verified: VerifiedPairs;
  /** `<digest> <cid>` → why the content is unusable. */
  readonly #why = new Map<string, string>();

  constructor(verified: VerifiedPairs) {
    this.#verified = verified;
  }

  /** Marks the pair, when `error` is a fault of the content; true if it was. */
  mark(digest: string, cid: string, error: unknown): boolean {
    if (!isUnusable(error)) return false;
    this.#verified.markMismatch(digest, cid, 'unusable');
    const key = `${digest} ${cid}`;
    const why = (error as Error).message.replace(/^.*? is not a usable blob CID: /, '');
    this.#why.delete(key);
    // Copied, so that a slice does not keep a long message alive.
    this.#why.set(key, [...why.slice(0, MAX_REASON_CHARS)].join(''));
    if (this.#why.size > MAX_REASONS) this.#why.delete(this.#why.keys().next().value!);
    return true;
  }

  /** Why the pair's content is unusable, if it was marked here (and not forgotten since). */
  why(digest: string, cid: string): string | undefined {
    return this.#why.get(`${digest} ${cid}`);
  }
}
