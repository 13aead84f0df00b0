// Where the handler's batches are prepared (loaded, applied and serialised): on the state thread
// by default, or on the processor's main thread (PROCESSOR_STATE_THREAD=main).
//
// Why a thread: the processor's main thread is Subsquid's ingest (decoding blocks, building its
// event and call objects) and was about 90% busy; preparing the batches added about a quarter
// to it. On a second thread that work overlaps the ingest and, with the next batch prepared
// while the last one is written (handler.ts), Postgres's writes; the main thread keeps decoding
// the events and running the writes, in the batch's transaction as before. The messages cost
// part of what the thread saves (on its own, before the pipelining, it measured no faster), so
// the main thread stays a choice.
import { EntityCache } from '../state/entity-cache';
import type { EntityReader } from '../state/entity-reader';
import { type BatchInput, prepareBatch, type PreparedBatch } from '../state/prepare-batch';
import type { WriteSpecs } from '../state/write-specs';
import { StateThread } from './state-thread';

export interface BatchPreparer {
  /** `onLoaded`: called once the batch reads nothing more (see prepareBatch). */
  prepare(input: BatchInput, reader: EntityReader, specs: WriteSpecs, onLoaded?: () => void): Promise<PreparedBatch>;
  /** Stops the state thread, if there is one. */
  close(): Promise<void>;
}

export type StateThreadKind = 'worker' | 'main';

/** PROCESSOR_STATE_THREAD: unset or "worker" for the state thread, "main" for the main thread. */
export function stateThreadFromEnv(env: NodeJS.ProcessEnv = process.env): StateThreadKind {
  const value = env.PROCESSOR_STATE_THREAD ?? '';
  if (value === '' || value === 'worker') return 'worker';
  if (value === 'main') return 'main';
  throw new Error(`PROCESSOR_STATE_THREAD="${value}" is not "worker" or "main"; fix or unset it.`);
}

export function createBatchPreparer(kind: StateThreadKind, cacheEntries: number): BatchPreparer {
  if (kind === 'worker') return new StateThread(cacheEntries);
  const cache = new EntityCache(cacheEntries);
  return { prepare: (input, reader, specs, onLoaded) => prepareBatch(input, reader, cache, specs, onLoaded), close: async () => undefined };
}
