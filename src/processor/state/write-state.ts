// Writes a batch's entities once: one statement per entity type (see bulk-write.ts), parents
// before children.
import type { Store } from '@subsquid/typeorm-store';
import type { BatchState } from './batch-state';
import { bulkInsert, bulkUpsert } from './bulk-write';

export async function writeState(store: Store, state: BatchState): Promise<void> {
  await bulkInsert(store, [...state.newAccounts].map((id) => state.accounts.get(id)!));
  await bulkUpsert(store, [...state.changed.spaces]);
  await bulkUpsert(store, [...state.changed.images]);
  await bulkUpsert(store, [...state.changed.manifests]);
  await bulkUpsert(store, [...state.changed.tags]);
  await bulkUpsert(store, [...state.changed.blobs]);
  await bulkInsert(store, state.inserts.spaceMembers);
  await bulkInsert(store, state.inserts.tagUpdates);
  await bulkInsert(store, state.inserts.digestInfoRecords);
}
