// How an upload's bytes reach IPFS. With the embedded store, the upload file the gateway writes
// (and hashes) anyway becomes the IPFS file's leaves once its digest is checked: the import
// while the bytes arrive stores only the DAG's other blocks, so each pushed byte is written to
// disk once. With Kubo, the bytes are streamed to the node, which stores them itself.
// `storeUpload` is the one commit step for a blob upload and for a file an artifact door received.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { GatewayBlobStore, StoredBlob } from './blob-store';
import type { ImportStarter } from './streaming-import';
import type { UploadSession } from './upload-sessions';

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

/**
 * An upload's first `size` bytes in IPFS, pinned: from the import that streamed alongside it when
 * that import has them all, or imported from the upload file now (a chunk cut off and resent, IPFS
 * failing mid-way, a session started by another process). `storeFile` is where the bytes went
 * when the store took the upload file itself.
 */
export async function storeUpload(
  store: GatewayBlobStore,
  session: Pick<UploadSession, 'id' | 'dataFile'>,
  size: number,
  imported: Promise<StoredBlob> | undefined,
  log: (line: string) => void,
): Promise<{ stored: StoredBlob; storeFile?: string }> {
  const streamed = await imported?.catch(() => undefined);
  if (streamed?.size === size) {
    try {
      return { stored: streamed, storeFile: await completeUploadImport(store, streamed, session.dataFile) };
    } catch (error) {
      // Taking the file failed before it moved (its blocks were collected meanwhile, or IPFS is
      // on another filesystem): import it the ordinary way instead.
      if (!(await stat(session.dataFile).catch(() => undefined))) throw error;
      log(`upload ${session.id}: the IPFS store could not take the upload file (${(error as Error).message}); importing it instead`);
    }
  }
  // Read in UnixFS-chunk-sized pieces: larger buffers only raise the memory the import leaves behind.
  return { stored: await store.put(size === 0 ? [] : createReadStream(session.dataFile, { start: 0, end: size - 1, highWaterMark: 256 * 1024 })) };
}
