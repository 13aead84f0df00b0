// Reopening a data dir: its log is replayed onto the block tree (every branch, with its state,
// the best and finalized blocks), once the log is known to belong to this build's genesis.
import { SPEC_VERSION } from '../runtime/constants';
import type { BlockRecord } from '../execution/block-builder';
import type { BlockTree } from './block-tree';
import type { ChainLog } from './chain-log';

/** Replays a data dir's log onto the tree, after checking it belongs to this genesis. */
export function restore(log: ChainLog, tree: BlockTree, genesis: BlockRecord): void {
  const loaded = log.load();
  if (!loaded.genesisHash) {
    log.writeGenesis(genesis.hash, SPEC_VERSION);
    return;
  }
  if (loaded.genesisHash !== genesis.hash) {
    throw new Error(
      `The data dir holds a chain with genesis ${loaded.genesisHash} (spec ${loaded.specVersion}), but this build's genesis is ${genesis.hash} (spec ${SPEC_VERSION}). ` +
        `Start with another --data-dir, or move ${log.path} away to begin a new chain (an index built on the old chain must be reset too).`,
    );
  }
  for (const stored of loaded.blocks) {
    const parent = tree.get(stored.parentHash);
    if (!parent) continue;
    let state = parent.state;
    for (const [key, value] of stored.diff) state = state.set(key, value ?? undefined);
    tree.add({ ...stored, state });
  }
  if (loaded.best && tree.has(loaded.best)) tree.setHead(loaded.best);
  if (loaded.finalized) tree.restoreFinalized(loaded.finalized);
}
