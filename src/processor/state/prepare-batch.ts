// The handler's work between decoding and writing, for one batch: load what the entity cache
// lacks, apply the actions in chain order, serialise the writes. It needs no database connection
// of its own (reads go through an EntityReader), so it runs on the state thread
// (src/processor/state-thread) as well as on the main thread.
import type { RegistryAction } from '../actions';
import { applyActions } from './apply-actions';
import { BatchState } from './batch-state';
import type { EntityCache } from './entity-cache';
import type { EntityReader } from './entity-reader';
import { type PlannedWrite, planWrites } from './write-plan';
import type { WriteSpecs } from './write-specs';

export interface BatchInput {
  /** First and last block heights of the batch. */
  first: number;
  last: number;
  /** Whether the batch's writes may be rolled back (unfinalized blocks). */
  hot: boolean;
  actions: RegistryAction[];
}

export interface PreparedBatch {
  writes: PlannedWrite[];
  /** What the handler should log as warnings (actions skipped, and why). */
  warnings: string[];
}

/** `onLoaded` is called once the batch will ask the reader for nothing more. */
export async function prepareBatch(input: BatchInput, reader: EntityReader, cache: EntityCache, specs: WriteSpecs, onLoaded?: () => void): Promise<PreparedBatch> {
  cache.begin(input.first, input.last, input.hot);
  const warnings: string[] = [];
  if (input.actions.length === 0) {
    onLoaded?.();
    return { writes: [], warnings };
  }
  const state = await BatchState.load(reader, input.actions, cache);
  onLoaded?.();
  applyActions(state, input.actions, { warn: (message) => warnings.push(message) });
  const writes = planWrites(state, specs, input.hot);
  // If these writes do not commit, the batch fails and is retried or the processor stops; a
  // retry starts at the same height, which makes the cache forget this batch (entity-cache.ts).
  cache.remember(state);
  return { writes, warnings };
}
