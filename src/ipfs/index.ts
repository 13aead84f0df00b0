// Opening IPFS for the registry: Kubo when IPFS_API (or `ipfsApi`) names one, else the embedded
// store in the data dir, which can also serve the Kubo RPC subset for other processes.
import { join } from 'node:path';
import type { BlobStore } from './blob-store';
import { EmbeddedBlobStore } from './embedded/embedded-store';
import { startKuboApiServer } from './embedded/kubo-api-server';
import { KuboBlobStore } from './kubo/kubo-store';

export type { BlobStat, BlobStore, ByteSource, GarbageCollection, GetOptions, PutOptions, PutResult } from './blob-store';
export { BlobNotFoundError, BlobStoreError, BlobStoreUnavailableError, InvalidCidError } from './errors';
export { KUBO_IMPORT } from './cid';
export { EmbeddedBlobStore } from './embedded/embedded-store';
export { startKuboApiServer, type KuboApiServer } from './embedded/kubo-api-server';
export { KuboBlobStore, type KuboBlobStoreOptions } from './kubo/kubo-store';

export interface OpenBlobStoreOptions {
  /** The data dir; the embedded store lives in its `ipfs/` folder. */
  readonly dataDir: string;
  /** Kubo RPC address; default IPFS_API. Empty or unset means the embedded store. */
  readonly ipfsApi?: string;
  /** For Kubo: how long to look for missing content on the network (default 30 s). */
  readonly lookupTimeoutMs?: number;
}

/** Where the embedded store keeps its blocks and pins. */
export function embeddedIpfsDir(dataDir: string): string {
  return join(dataDir, 'ipfs');
}

export async function openBlobStore(options: OpenBlobStoreOptions): Promise<BlobStore> {
  const api = (options.ipfsApi ?? process.env.IPFS_API ?? '').trim();
  if (api) return KuboBlobStore.open({ url: api, lookupTimeoutMs: options.lookupTimeoutMs });
  return EmbeddedBlobStore.open(embeddedIpfsDir(options.dataDir));
}

export interface EmbeddedIpfs {
  readonly store: EmbeddedBlobStore;
  /** The Kubo RPC address it serves, e.g. `http://127.0.0.1:5001` (a value for IPFS_API). */
  readonly apiUrl: string;
  /** Stops the server, then closes the store. */
  close(): Promise<void>;
}

/** The embedded store plus its Kubo RPC server (default 127.0.0.1:5001; port 0 picks one). */
export async function startEmbeddedIpfs(options: { dataDir: string; host?: string; port?: number }): Promise<EmbeddedIpfs> {
  const store = await EmbeddedBlobStore.open(embeddedIpfsDir(options.dataDir));
  let server;
  try {
    server = await startKuboApiServer({ store, host: options.host, port: options.port });
  } catch (error) {
    await store.close();
    throw error;
  }
  return {
    store,
    apiUrl: server.url,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}
