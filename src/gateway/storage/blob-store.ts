// The gateway stores bytes through src/ipfs's BlobStore (embedded UnixFS store or Kubo).
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../ipfs';

export type { PutResult as StoredBlob } from '../../ipfs';

export interface GatewayBlobStore extends BlobStore {
  /**
   * Told the verdict of each digest check of a file read with get(): a store that pins what it
   * fetched from elsewhere (peer-store.ts) keeps such a file only if a check matched it.
   */
  checked?(cid: string, read: Readable, matched: boolean): Promise<void>;
}
