// Runs a batch's planned writes (write-plan.ts) in the batch's transaction, one statement per
// document. In a batch of hot blocks, each write is first recorded by Subsquid's change tracker
// (by id, all it reads) so that a reorg can undo it, as Store.insert / Store.upsert do.
import type { Store } from '@subsquid/typeorm-store';
import { storeInternals } from './store-internals';
import type { PlannedWrite } from './write-plan';
import { specKey, type WriteSpecs } from './write-specs';
import { WRITTEN_ENTITIES } from './written-entities';

export async function executeWrites(store: Store, specs: WriteSpecs, writes: PlannedWrite[]): Promise<void> {
  const { em, changes } = storeInternals(store);
  for (const write of writes) {
    if (changes) {
      if (!write.ids) throw new Error(`the ${write.entity} rows of a hot batch came without their ids; the change tracker needs them`);
      const type = WRITTEN_ENTITIES[write.entity];
      const rows = write.ids.map((id) => ({ id }));
      if (write.mode === 'insert') await changes.trackInsert(type, rows);
      else await changes.trackUpsert(type, rows);
    }
    const { sql } = specs[specKey(write.entity, write.mode)];
    const manager = em();
    for (const document of write.documents) await manager.query(sql, [document]);
  }
}
