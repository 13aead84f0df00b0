// How an upload's bytes reach IPFS. With the embedded store, the upload file the gateway writes
// (and hashes) anyway becomes the IPFS file's leaves once its digest is checked: the import
// while the bytes arrive stores only the DAG's other blocks, so each pushed byte is written to
// disk once. With Kubo, the bytes are streamed to the node, which stores them itself.
import type { GatewayBlobStore, StoredBlob } from './blob-store';
import type { ImportStarter } from './streaming-import';

/** Whether the store takes upload files as leaves (the embedded store does, Kubo does not). */
function takesFiles(store: GatewayBlobStore): store is GatewayBlobStore & Required<Pick<GatewayBlobStore, 'importLeavesElsewhere' | 'adoptFile'>> {
  return store.importLeavesElsewhere !== undefined && store.adoptFile !== undefined;
}

/** Starts the import that runs while an upload arrives. */
export function uploadImporter(store: GatewayBlobStore): ImportStarter {
  if (takesFiles(store)) return (source, signal) => store.importLeavesElsewhere(source, { signal });
  return (source, signal) => store.put(source, { signal });
}

/**
 * Completes a streamed import of exactly the bytes in `file`: pinned, and with the embedded
 * store, `file` moved in as its leaves. Resolves with where the bytes now are (the store's file,
 * which the blob cache links to), or undefined when `file` stays the caller's.
 */
export async function completeUploadImport(store: GatewayBlobStore, stored: StoredBlob, file: string): Promise<string | undefined> {
  return takesFiles(store) ? store.adoptFile(stored.cid, file) : undefined;
}
