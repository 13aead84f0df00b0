// Reads a manifest digest's bytes from IPFS, trying every CID recorded for it, and keeps only
// bytes whose sha256 is the digest: any space owner can record any CID for any digest, so a CID
// is never trusted. A CID known to hold other bytes is not read again (a CID names its bytes for
// good). IPFS being unreachable is not the content's fault: it is thrown (BlobStoreUnavailableError)
// so that the caller stops reading until IPFS answers again, instead of counting it against
// every manifest.
import { createHash } from 'node:crypto';
import { type BlobStore, BlobStoreUnavailableError } from '../ipfs';

export type ReadOutcome =
  /** Bytes that match the digest; `tooLarge` when they exceed the manifest limit (then no manifest). */
  | { kind: 'verified'; cid: string; bytes: Buffer; tooLarge: boolean; mismatchedCids: string[] }
  /** Every candidate was read and held other bytes. */
  | { kind: 'mismatch'; mismatchedCids: string[] }
  /** Nothing matched, and some candidates could not be read (or there are none): try again later. */
  | { kind: 'unavailable'; mismatchedCids: string[]; reason: string };

export interface ReadOptions {
  /** Bytes above this cannot be a manifest (the gateway refuses larger ones). */
  maxBytes: number;
  /** Bounds one read, lookup and transfer together. */
  timeoutMs: number;
}

const SHA256 = /^sha256:[0-9a-f]{64}$/;

export function isSha256Digest(digest: string | null): digest is string {
  return digest !== null && SHA256.test(digest);
}

export async function readVerified(store: BlobStore, digest: string, cids: string[], knownMismatched: readonly string[], options: ReadOptions): Promise<ReadOutcome> {
  const mismatched = [...knownMismatched];
  const problems: string[] = [];
  for (const cid of cids) {
    if (mismatched.includes(cid)) continue;
    let read: { hash: string; bytes: Buffer; tooLarge: boolean };
    try {
      read = await hashBounded(store, cid, options);
    } catch (error) {
      if (error instanceof BlobStoreUnavailableError) throw error;
      problems.push(`${cid}: ${(error as Error).message}`);
      continue;
    }
    if (read.hash !== digest) {
      mismatched.push(cid);
      continue;
    }
    return { kind: 'verified', cid, bytes: read.bytes, tooLarge: read.tooLarge, mismatchedCids: mismatched };
  }
  if (cids.length > 0 && problems.length === 0) return { kind: 'mismatch', mismatchedCids: mismatched };
  const reason = cids.length === 0
    ? 'no CID is recorded for this digest yet'
    : `no recorded CID could be read: ${problems.join('; ')}${mismatched.length > 0 ? `; other bytes at ${mismatched.join(', ')}` : ''}`;
  return { kind: 'unavailable', mismatchedCids: mismatched, reason };
}

/** The sha256 of a CID's bytes, keeping at most maxBytes of them. */
async function hashBounded(store: BlobStore, cid: string, options: ReadOptions): Promise<{ hash: string; bytes: Buffer; tooLarge: boolean }> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of await store.get(cid, { signal })) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      size += bytes.length;
      if (size <= options.maxBytes) chunks.push(bytes);
    }
  } catch (error) {
    if (signal.aborted) throw new Error(`reading it took longer than ${options.timeoutMs / 1000} s`);
    throw error;
  }
  return { hash: `sha256:${hash.digest('hex')}`, bytes: Buffer.concat(chunks), tooLarge: size > options.maxBytes };
}
