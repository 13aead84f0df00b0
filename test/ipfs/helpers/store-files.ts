// What an embedded store keeps on disk, for tests that check where a file's bytes went, and a
// store with a second one beside it to import reference files into.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../../src/ipfs';

/** The block files under `<ipfsDir>/blocks` (one per block stored as a block). */
export function blockFiles(ipfsDir: string): string[] {
  const blocks = join(ipfsDir, 'blocks');
  if (!existsSync(blocks)) return [];
  return readdirSync(blocks).flatMap((shard) => readdirSync(join(blocks, shard)).filter((name) => name.endsWith('.data')));
}

export interface StorePair {
  /** A directory of the test's own, removed by close(). */
  readonly work: string;
  readonly ipfsDir: string;
  /** The store under test. */
  readonly store: EmbeddedBlobStore;
  /** Another store, for files to compare with. */
  readonly reference: EmbeddedBlobStore;
  close(): Promise<void>;
}

export async function openStorePair(prefix: string): Promise<StorePair> {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const ipfsDir = embeddedIpfsDir(join(work, 'store'));
  const store = await EmbeddedBlobStore.open(ipfsDir);
  const reference = await EmbeddedBlobStore.open(embeddedIpfsDir(join(work, 'reference')));
  return {
    work,
    ipfsDir,
    store,
    reference,
    async close() {
      await store.close();
      await reference.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
