// Removes what no manifest ever used: upload sessions left unfinished and committed blobs no
// recorded manifest references, once they are older than the configured time, and releases
// their IPFS pins (Kubo's GC may then drop the blocks). A pin is kept when the chain records the
// same digest → CID (a manifest pushed elsewhere may need those bytes from this IPFS node). When
// the chain or IPFS cannot answer, the blob is left for the next sweep. With the embedded IPFS
// store, which has no GC of its own, the sweep then deletes the blocks no pin reaches that are
// older than the same limit (younger ones may belong to an upload still arriving); with Kubo,
// that is left to Kubo's GC. Before that, every blob the records keep has its pin put back if it
// lost it (storage/recorded-pins.ts). Imports killed before they ended left their staging folders
// and the journals of the pins they took: the folders go, and the pins no record holds are
// released, after the same time (bundles/abandoned-imports.ts, bundles/import-pins-journal.ts).
import type { GarbageCollection } from '../ipfs';
import { sweepAbandonedImports } from './bundles/abandoned-imports';
import { releaseKilledImportPins } from './bundles/import-pins-journal';
import { releaseImportPins } from './bundles/release-import-pins';
import type { ChainReader } from './resolve/chain-reader';
import type { BlobCache } from './storage/blob-cache';
import type { GatewayBlobStore } from './storage/blob-store';
import type { LocalBlob, LocalBlobs } from './storage/local-blobs';
import { pinRecorded, type RecordedPins } from './storage/recorded-pins';
import type { UploadSessions } from './storage/upload-sessions';

export interface SweepResult {
  readonly uploads: number;
  readonly blobs: number;
  /** What the embedded IPFS store's garbage collection removed (absent with Kubo). */
  readonly ipfs?: GarbageCollection;
  /** Staging folders of killed imports removed. */
  readonly imports: number;
  /** Staging folders kept because their import was cut short while it moved its records in. */
  readonly importsCutShort: readonly string[];
  /** Pins put back on content the records hold, and records whose content is gone (storage/recorded-pins.ts). */
  readonly pins: RecordedPins;
  /** Journals of imports killed before they released their pins, released and removed (bundles/import-pins-journal.ts). */
  readonly killedImportPins: number;
}

export async function sweepUnreferenced(deps: { gatewayDir: string; uploads: UploadSessions; local: LocalBlobs; cache: BlobCache; store: GatewayBlobStore; chain: ChainReader }, maxAgeMs: number, now = Date.now()): Promise<SweepResult> {
  const cutoff = now - maxAgeMs;
  const uploads = await deps.uploads.expire(cutoff);
  let blobs = 0;
  const kept: LocalBlob[] = [];
  for (const blob of await deps.local.list()) {
    if (blob.referencedAt !== undefined || blob.committedAt >= cutoff) {
      kept.push(blob);
      continue;
    }
    // A push, upload or mount bringing the digest into use now keeps it; one arriving while this
    // sweep deals with it waits, then finds the blob gone (or puts it back).
    const release = deps.local.holds.sweep(blob.digest);
    if (!release) {
      kept.push(blob);
      continue;
    }
    try {
      // Judged again as it is now: the record may have changed since the list was read.
      const current = await deps.local.get(blob.digest);
      if (!current || current.referencedAt !== undefined || current.committedAt >= cutoff || current.cid !== blob.cid) {
        if (current) kept.push(current);
        continue;
      }
      try {
        const recorded = await deps.chain.digestInfo(blob.digest);
        if (recorded?.cid.text !== blob.cid) await deps.store.unpin(blob.cid);
      } catch {
        kept.push(blob);
        continue;
      }
      await deps.local.remove(blob.digest);
      await deps.cache.remove(blob.digest);
      blobs++;
    } finally {
      release();
    }
  }
  // Imports killed before they could release their pins: released now, unless a record holds them.
  const killed = await releaseKilledImportPins(deps.gatewayDir, cutoff, (pins) => releaseImportPins(pins, deps.store, deps.gatewayDir));
  // Before anything is collected: content a record still points at holds its pin.
  const pins = await pinRecorded(kept, deps.store);
  // A folder that cannot be read or removed now is left for the next sweep; the rest goes on.
  const imports = await sweepAbandonedImports(deps.gatewayDir, cutoff).catch(() => ({ removed: 0, cutShort: [] }));
  const ipfs = await deps.store.collectGarbage?.(cutoff);
  return { uploads, blobs, ...(ipfs ? { ipfs } : {}), imports: imports.removed, importsCutShort: imports.cutShort, pins, killedImportPins: killed.journals };
}
