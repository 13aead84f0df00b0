// Every blob and manifest the gateway records (local-blobs.ts) is kept by a pin on its content.
// Pins are one set shared by everything that takes them (pushes, imports run beside the gateway on
// the same data dir, the mirror, peer fetches) and none counts the others, so a pin can be
// released under a record: a failed import releasing a pin a push of the same bytes found already
// taken (bundles/release-import-pins.ts narrows that to a moment), a refused push's manifest
// released while another gateway process on the data dir pushed it too, or an `ipfs pin rm` run
// by hand on a shared Kubo node. The cleanup's sweep pins what the records hold again before it collects
// anything, so no content a record points at is collected for a pin lost meanwhile. Content no
// longer in the store at all cannot be pinned from here: it is reported, with what to do.
import type { BlobStore } from '../../ipfs';
import type { LocalBlob } from './local-blobs';

/** Digests named in the report of content gone; the count covers the rest. */
const NAMED_GONE = 5;

export interface RecordedPins {
  /** Records whose content had lost its pin and was pinned again. */
  readonly repinned: number;
  /** Records whose content is not whole in the store any more, and how many of them are named in `goneDigests`. */
  readonly gone: number;
  readonly goneDigests: readonly string[];
}

/**
 * Pins the content of each record in `records` that lost its pin, when the store still holds it
 * whole (has() never fetches from elsewhere). One the store cannot answer for now is left for the
 * next sweep.
 */
export async function pinRecorded(records: Iterable<LocalBlob>, store: Pick<BlobStore, 'isPinned' | 'has' | 'pin'>): Promise<RecordedPins> {
  let repinned = 0;
  const gone: string[] = [];
  // Several records may name one CID (a blob mounted into another repository is one record, but a
  // manifest and a blob of the same bytes are two): each CID is asked about once.
  const asked = new Set<string>();
  for (const record of records) {
    if (asked.has(record.cid)) continue;
    asked.add(record.cid);
    try {
      if (await store.isPinned(record.cid)) continue;
      if (!(await store.has(record.cid))) {
        gone.push(record.digest);
        continue;
      }
      await store.pin(record.cid);
      repinned++;
    } catch {
      // The store cannot say or do it now (Kubo down, a CID it refuses): the next sweep asks again.
    }
  }
  return { repinned, gone: gone.length, goneDigests: gone.slice(0, NAMED_GONE) };
}
