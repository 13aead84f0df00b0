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
import { type BlobStore, InvalidCidError } from '../../ipfs';
import { LocalBlobs } from '../storage/local-blobs';

export interface ImportPin {
  readonly digest: string;
  readonly cid: string;
}

/**
 * Unpins each of `pins` that the gateway's records (`<gatewayDir>/blobs`) do not hold. False when
 * the store could not do it for some (it is down): their pins stay, for the import's journal to
 * have the cleanup release them (import-pins-journal.ts).
 */
export async function releaseImportPins(pins: readonly ImportPin[], store: Pick<BlobStore, 'pin' | 'unpin'>, gatewayDir: string): Promise<boolean> {
  const records = new LocalBlobs(join(gatewayDir, 'blobs'));
  const recorded = async (pin: ImportPin) => (await records.get(pin.digest).catch(() => undefined))?.cid === pin.cid;
  let all = true;
  for (const pin of pins) {
    try {
      if (await recorded(pin)) continue;
      await store.unpin(pin.cid);
      if (await recorded(pin)) await store.pin(pin.cid);
    } catch (error) {
      // A CID no store takes (a journal line someone else wrote) holds no pin: nothing to keep trying.
      if (!(error instanceof InvalidCidError)) all = false;
    }
  }
  return all;
}
