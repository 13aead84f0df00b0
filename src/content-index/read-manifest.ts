// Reads a manifest digest's bytes from IPFS, trying the CIDs recorded for it a few at a time, and
// keeps only bytes whose sha256 is the digest: any space owner can record any CID for any digest,
// so a CID is never trusted. An attempt has a time budget: CIDs it could not read are read on a
// later attempt, and the indexer's workers go on to other digests meanwhile. A CID known to hold
// other bytes is not read again (a CID names its bytes for good). IPFS being unreachable is not
// the content's fault: it is thrown (BlobStoreUnavailableError) so that the caller stops reading
// until IPFS answers again, instead of counting it against every manifest.
// A CID is read only up to the manifest limit: anyone can record the CID of a huge blob (a public
// multi-GB layer, an endless stream) for a manifest digest, and reading it to the end to hash it
// cost a whole read timeout of download on every attempt, forever, since a read cut short by the
// timeout is tried again. Bytes past the limit can never be a manifest the gateway serves, so such
// a CID is set aside for good at the limit, like one holding other bytes. So is a CID whose content
// no store can serve as a file (InvalidCidError: a directory, a DAG deeper than any import makes,
// text that is no CID): a CID names its content for good, and such a failure, counted as one to
// try again, was read again on its backoff for ever.
import { createHash } from 'node:crypto';
import { type BlobStore, BlobStoreUnavailableError, InvalidCidError } from '../ipfs';

export type ReadOutcome =
  /** Bytes that match the digest. */
  | { kind: 'verified'; cid: string; bytes: Buffer; mismatchedCids: string[] }
  /**
   * Every candidate was read and held other bytes, or more than `maxBytes` (`oversizedCids`, among
   * `mismatchedCids`), or content no store serves as a file (`unusable`, with why, among them too).
   */
  | { kind: 'mismatch'; mismatchedCids: string[]; oversizedCids: string[]; unusable?: { cid: string; why: string }[] }
  /** Nothing matched, and some candidates could not be read (or there are none): try again later. */
  | { kind: 'unavailable'; mismatchedCids: string[]; reason: string };

export interface ReadOptions {
  /** Bytes above this cannot be a manifest (the gateway refuses larger ones). */
  maxBytes: number;
  /** Bounds one read, lookup and transfer together. */
  timeoutMs: number;
  /** Bounds one attempt at the digest, all its reads together (default 3 × timeoutMs). */
  budgetMs?: number;
  /** CIDs read at once (default READS_AT_ONCE). */
  readsAtOnce?: number;
  /** Which attempt at this digest this is: each starts its reading further along the candidates. */
  attempt?: number;
  /** Ends the attempt's reads (the indexer is stopping); what they found then is not to be kept. */
  signal?: AbortSignal;
}

/** A few reads at once: a CID no one serves costs a lookup's full timeout, and anyone can record many. */
export const READS_AT_ONCE = 4;

const SHA256 = /^sha256:[0-9a-f]{64}$/;

export function isSha256Digest(digest: string | null): digest is string {
  return digest !== null && SHA256.test(digest);
}

/**
 * The candidates in the order they are read this attempt. Anyone can record CIDs for any digest,
 * before or after its owner does, and a CID no one serves costs a lookup's whole timeout: read
 * from both ends (newest, oldest, next newest…) so a flood recorded on one side of the owner's
 * record does not come first, and begin each attempt further along, so that over attempts every
 * candidate is read early once.
 */
export function readingOrder(cids: readonly string[], attempt: number, step: number): string[] {
  const ends: string[] = [];
  for (let low = 0, high = cids.length - 1; low <= high; low++, high--) {
    ends.push(cids[low]);
    if (high !== low) ends.push(cids[high]);
  }
  if (ends.length === 0) return ends;
  const start = (attempt * step) % ends.length;
  return [...ends.slice(start), ...ends.slice(0, start)];
}

export async function readVerified(store: BlobStore, digest: string, cids: string[], knownMismatched: readonly string[], options: ReadOptions): Promise<ReadOutcome> {
  const mismatched = [...knownMismatched];
  const oversized: string[] = [];
  const unusable: { cid: string; why: string }[] = [];
  const problems: string[] = [];
  const readsAtOnce = Math.max(1, options.readsAtOnce ?? READS_AT_ONCE);
  // A set, not a list search per CID: anyone can record tens of thousands of CIDs for a digest,
  // and both lists grow with them (60,000 each took seconds of the worker's CPU per attempt).
  const setAside = new Set(knownMismatched);
  const queue = readingOrder(cids.filter((cid) => !setAside.has(cid)), options.attempt ?? 0, readsAtOnce * 3);
  const budgetMs = options.budgetMs ?? 3 * options.timeoutMs;
  // Ends the reads still running: a match was found, IPFS is down, or the attempt's time is up.
  const stop = new AbortController();
  const budget = setTimeout(() => stop.abort(), budgetMs);
  const onAbort = () => stop.abort();
  if (options.signal?.aborted) stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let verified: Extract<ReadOutcome, { kind: 'verified' }> | undefined;
  let unavailable: BlobStoreUnavailableError | undefined;
  const reader = async () => {
    while (!stop.signal.aborted && queue.length > 0) {
      const cid = queue.shift()!;
      let read: { hash: string; bytes: Buffer } | 'too large';
      try {
        read = await hashBounded(store, cid, options, stop.signal);
      } catch (error) {
        if (error instanceof BlobStoreUnavailableError) {
          unavailable ??= error;
          stop.abort();
        } else if (error instanceof InvalidCidError) {
          unusable.push({ cid, why: error.message.replace(/^.*? is not a usable blob CID: /, '').slice(0, 200) });
          mismatched.push(cid);
        } else if (!stop.signal.aborted) {
          problems.push(`${cid}: ${(error as Error).message}`);
        } else if (!verified && !unavailable) {
          problems.push(`${cid}: not read within this attempt's ${budgetMs / 1000} s`);
        }
        continue;
      }
      if (read === 'too large') {
        oversized.push(cid);
        mismatched.push(cid);
        continue;
      }
      if (read.hash !== digest) {
        mismatched.push(cid);
        continue;
      }
      verified ??= { kind: 'verified', cid, bytes: read.bytes, mismatchedCids: mismatched };
      stop.abort();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(readsAtOnce, queue.length) }, reader));
  } finally {
    clearTimeout(budget);
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (unavailable) throw unavailable;
  if (verified) return verified;
  if (queue.length > 0) problems.push(`${queue.length} more recorded CID${queue.length === 1 ? '' : 's'} not read within this attempt's ${budgetMs / 1000} s`);
  if (cids.length > 0 && problems.length === 0) return { kind: 'mismatch', mismatchedCids: mismatched, oversizedCids: oversized, ...(unusable.length > 0 ? { unusable } : {}) };
  const reason = cids.length === 0
    ? 'no CID is recorded for this digest yet'
    : `no recorded CID could be read: ${problems.join('; ')}${mismatched.length > 0 ? `; other bytes at ${mismatched.join(', ')}` : ''}`;
  return { kind: 'unavailable', mismatchedCids: mismatched, reason };
}

/** The sha256 of a CID's bytes, or 'too large' as soon as they pass maxBytes (the rest is not read). */
async function hashBounded(store: BlobStore, cid: string, options: ReadOptions, stop: AbortSignal): Promise<{ hash: string; bytes: Buffer } | 'too large'> {
  const reading = new AbortController();
  const timer = setTimeout(() => reading.abort(), options.timeoutMs);
  const onStop = () => reading.abort();
  stop.addEventListener('abort', onStop, { once: true });
  const signal = reading.signal;
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of await store.get(cid, { signal })) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      size += bytes.length;
      if (size > options.maxBytes) {
        // Leaving the loop ends the stream; aborting ends the transfer beneath it.
        reading.abort();
        return 'too large';
      }
      chunks.push(bytes);
    }
  } catch (error) {
    if (signal.aborted && !stop.aborted) throw new Error(`reading it took longer than ${options.timeoutMs / 1000} s`);
    throw error;
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
  return { hash: `sha256:${hash.digest('hex')}`, bytes: Buffer.concat(chunks) };
}
