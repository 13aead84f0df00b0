// The content indexer's world for a test: the dev chain with //Ferdie owning the space `tools`,
// Postgres, an embedded IPFS store behind its Kubo API (or behind whatever `ipfsApi` puts in
// front of it), and the processor, content indexer and GraphQL server on a database of their own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EmbeddedBlobStore, embeddedIpfsDir, type KuboApiServer, startKuboApiServer } from '../../../src/ipfs';
import { type Blob, blobOf, OCI_MANIFEST } from '../../gateway/helpers/oci-client';
import { startTestChain, type TestChain } from '../../helpers/devnet';
import { devAccounts, type DevAccounts } from './accounts';
import { startTestIndexer, type TestIndexer } from './indexer';
import { startTestPostgres, type TestPostgres } from './postgres';
import { submit } from './submit';

export interface ContentWorld {
  readonly a: DevAccounts;
  readonly chain: TestChain;
  readonly store: EmbeddedBlobStore;
  readonly ipfs: KuboApiServer;
  readonly indexer: TestIndexer;
  /** A connection to the indexer's database. */
  readonly db: Client;
  close(): Promise<void>;
}

/** `ipfsApi` gives the URL the content indexer reads IPFS at, from the Kubo API's own. */
export async function startContentWorld(database: string, options: { ipfsApi?: (kuboUrl: string) => Promise<string> } = {}): Promise<ContentWorld> {
  const a = await devAccounts();
  const chain = await startTestChain();
  const pg: TestPostgres = await startTestPostgres();
  const ipfsDir = mkdtempSync(path.join(tmpdir(), `hcr-${database}-`));
  const store = await EmbeddedBlobStore.open(embeddedIpfsDir(ipfsDir));
  const ipfs = await startKuboApiServer({ store, port: 0 });
  await submit(chain.api.tx.containerRegistry.createSpace('tools'), a.ferdie, { finalized: true });
  const dbUrl = await pg.newDatabase(database);
  const indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl, ipfsApi: options.ipfsApi ? await options.ipfsApi(ipfs.url) : ipfs.url });
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  return {
    a, chain, store, ipfs, indexer, db,
    async close() {
      await db.end();
      await indexer.close();
      await ipfs.close();
      await store.close();
      await pg.close();
      await chain.close();
      rmSync(ipfsDir, { recursive: true, force: true });
    },
  };
}

/** A content row's id: the digest's UTF-8 bytes as hex, as the processor keys it. */
export const contentId = (digest: string): string => `0x${Buffer.from(digest, 'utf8').toString('hex')}`;

/** An image manifest of a config and a layer of its own, made from `seed`. */
export function imageManifest(seed: string): Blob {
  const config = blobOf(`{"seed":"${seed}"}`);
  const layer = blobOf(`layer ${seed}`);
  return blobOf(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size }],
  }));
}
