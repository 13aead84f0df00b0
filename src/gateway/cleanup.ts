// Removes what no manifest ever used: upload sessions left unfinished and committed blobs no
// recorded manifest references, once they are older than the configured time. Their IPFS pins
// are released when the blob store can unpin.
import type { BlobCache } from './storage/blob-cache';
import type { GatewayBlobStore } from './storage/blob-store';
import type { LocalBlobs } from './storage/local-blobs';
import type { UploadSessions } from './storage/upload-sessions';

export interface SweepResult {
  readonly uploads: number;
  readonly blobs: number;
}

export async function sweepUnreferenced(deps: { uploads: UploadSessions; local: LocalBlobs; cache: BlobCache; store: GatewayBlobStore }, maxAgeMs: number, now = Date.now()): Promise<SweepResult> {
  const cutoff = now - maxAgeMs;
  const stale = await deps.uploads.startedBefore(cutoff);
  for (const session of stale) await deps.uploads.remove(session);
  let blobs = 0;
  const unpin = (deps.store as { unpin?: (cid: string) => Promise<void> }).unpin;
  for (const blob of await deps.local.list()) {
    if (blob.referencedAt !== undefined || blob.committedAt >= cutoff) continue;
    await deps.local.remove(blob.digest);
    await deps.cache.remove(blob.digest);
    if (unpin) await unpin.call(deps.store, blob.cid).catch(() => undefined);
    blobs++;
  }
  return { uploads: stale.length, blobs };
}
