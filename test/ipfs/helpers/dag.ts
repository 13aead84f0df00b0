// A UnixFS file's blocks built in memory with the same importer settings as the stores
// (KUBO_IMPORT), so a test can hand a store blocks it has never seen.
import { ipfsModules } from '../../../src/ipfs/esm';
import { KUBO_IMPORT } from '../../../src/ipfs';
import type { DagBlock } from '../../../src/ipfs/dag-blocks';

export interface BuiltDag {
  readonly root: string;
  /** Every block, in the order the importer wrote them (leaves before the nodes above them). */
  readonly blocks: DagBlock[];
}

export async function buildDag(bytes: Uint8Array): Promise<BuiltDag> {
  const [m, { importBytes }, { MemoryBlockstore }] = await Promise.all([ipfsModules(), import('ipfs-unixfs-importer'), import('blockstore-core/memory')]);
  const memory = new MemoryBlockstore();
  const blocks: DagBlock[] = [];
  const recording = Object.create(memory) as typeof memory;
  recording.put = async (cid, value, options) => {
    blocks.push({ cid, bytes: value as Uint8Array });
    return memory.put(cid, value, options);
  };
  const { cid } = await importBytes(bytes, recording, {
    cidVersion: KUBO_IMPORT.cidVersion,
    rawLeaves: KUBO_IMPORT.rawLeaves,
    reduceSingleLeafToSelf: true,
    chunker: m.fixedSize({ chunkSize: KUBO_IMPORT.chunkSize }),
    layout: m.balanced({ maxChildrenPerNode: KUBO_IMPORT.maxLinksPerNode }),
  });
  return { root: cid.toString(), blocks };
}

export async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}
