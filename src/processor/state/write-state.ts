// Writes a batch's entities once: one insert or upsert per entity type, parents before children
// (the tables have foreign keys).
import type { Store } from '@subsquid/typeorm-store';
import type { BatchState } from './batch-state';

export async function writeState(store: Store, state: BatchState): Promise<void> {
  await store.insert([...state.newAccounts].map((id) => state.accounts.get(id)!));
  await store.upsert([...state.changed.spaces]);
  await store.upsert([...state.changed.images]);
  await store.upsert([...state.changed.manifests]);
  await store.upsert([...state.changed.tags]);
  await store.upsert([...state.changed.blobs]);
  await store.insert(state.inserts.spaceMembers);
  await store.insert(state.inserts.tagUpdates);
  await store.insert(state.inserts.digestInfoRecords);
}
