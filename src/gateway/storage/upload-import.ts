// How an upload's bytes reach IPFS. With the embedded store, the upload file the gateway writes
// (and hashes) anyway becomes the IPFS file's leaves once its digest is checked: the import
// while the bytes arrive stores only the DAG's other blocks, so each pushed byte is written to
// disk once. With Kubo, the bytes are streamed to the node, which stores them itself.
import type { GatewayBlobStore, StoredBlob } from './blob-store';
import type { ImportStarter } from './streaming-import';

/** Starts the import that runs while an upload arrives. */
export function uploadImporter(store: GatewayBlobStore): ImportStarter {
  if (store.importLeavesElsewhere && store.adoptFile) return (source, signal) => store.importLeavesElsewhere!(source, { signal });
  return (source, signal) => store.put(source, { signal });
}

/**
 * Completes a streamed import of exactly the bytes in `file`: pinned, and with the embedded
 * store, `file` moved in as its leaves. Resolves with where the bytes now are (the store's file,
 * which the blob cache links to), or undefined when `file` stays the caller's.
 */
export async function completeUploadImport(store: GatewayBlobStore, stored: StoredBlob, file: string): Promise<string | undefined> {
  if (!(store.importLeavesElsewhere && store.adoptFile)) return undefined;
  return store.adoptFile(stored.cid, file);
}
