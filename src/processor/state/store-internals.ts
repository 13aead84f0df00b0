// What the handler needs of a Subsquid Store beyond its public API: the transaction's entity
// manager (for bulk statements) and, for hot blocks, the change tracker that lets a reorg undo
// a write. typeorm-store 1.x keeps both as fields; the check turns a library change into a clear
// error.
import type { Store } from '@subsquid/typeorm-store';
import type { EntityManager } from 'typeorm';

export type EntityClass<E = unknown> = new (...args: never[]) => E;

export interface ChangeTracker {
  trackInsert(type: EntityClass, entities: { id: string }[]): Promise<void>;
  trackUpsert(type: EntityClass, entities: { id: string }[]): Promise<void>;
}

export interface StoreInternals {
  em: () => EntityManager;
  changes?: ChangeTracker;
}

export function storeInternals(store: Store): StoreInternals {
  const inner = store as unknown as Partial<StoreInternals>;
  if (typeof inner.em !== 'function') {
    throw new Error('@subsquid/typeorm-store no longer exposes its entity manager to the processor; src/processor/state/store-internals.ts needs updating for this version.');
  }
  return inner as StoreInternals;
}

/** Whether the store records changes for rollback: its writes belong to unfinalized blocks. */
export function isHotStore(store: Store): boolean {
  return storeInternals(store).changes !== undefined;
}
