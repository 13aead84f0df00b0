// What the main thread and the state thread say to each other. One batch is prepared at a time;
// while it is, the state thread may ask for reads, which the main thread runs in the batch's
// transaction.
import type { BatchInput, PreparedBatch } from '../state/prepare-batch';
import type { EntityReader } from '../state/entity-reader';
import type { WriteSpecs } from '../state/write-specs';

export type ReadCall = keyof EntityReader;

export type ToStateThread =
  | { type: 'prepare'; id: number; input: BatchInput; specs?: WriteSpecs }
  | { type: 'read-result'; id: number; value: unknown }
  | { type: 'read-failed'; id: number; message: string };

export type FromStateThread =
  | { type: 'read'; id: number; call: ReadCall; args: unknown[] }
  | { type: 'loaded'; id: number }
  | { type: 'prepared'; id: number; result: PreparedBatch }
  | { type: 'failed'; id: number; message: string };

/** workerData of the state thread. */
export interface StateThreadData {
  role: 'hcr-processor-state';
  cacheEntries: number;
}
