// Releasing the pins a failed or stopped import took. Pins are one set shared by everything that
// takes them, and none counts the others: while the import ran, a push of the same bytes to a
// gateway on this data dir (perhaps another process) may have found the content pinned already,
// taken no pin of its own, and recorded it. Releasing that pin would leave the pushed blob for
// the store's collection. So a pin stays when the gateway's records hold the item's digest at
// this CID; and a record that lands just after a release is met by a look afterwards, which pins
// the content again. What is still missed in between (a record written after that look) is put
// right by the cleanup's sweep, which pins what the records hold before it collects anything
// (storage/recorded-pins.ts).
import { join } from 'node:path';
import type { BlobStore } from '../../ipfs';
import { LocalBlobs } from '../storage/local-blobs';

export interface ImportPin {
  readonly digest: string;
  readonly cid: string;
}

/** Unpins each of `pins` that the records under `<dataDir>/gateway/blobs` do not hold; failures are left for the sweep. */
export async function releaseImportPins(pins: readonly ImportPin[], store: Pick<BlobStore, 'pin' | 'unpin'>, dataDir: string): Promise<void> {
  const records = new LocalBlobs(join(dataDir, 'gateway', 'blobs'));
  const recorded = async (pin: ImportPin) => (await records.get(pin.digest).catch(() => undefined))?.cid === pin.cid;
  for (const pin of pins) {
    try {
      if (await recorded(pin)) continue;
      await store.unpin(pin.cid);
      if (await recorded(pin)) await store.pin(pin.cid);
    } catch {
      // The store cannot say or do it now: the pin stays, as one a killed import leaves does
      // (the sweep releases no pin that nothing records; importing the bundle again uses it).
    }
  }
}
