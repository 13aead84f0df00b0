// Runs a batch's planned writes (write-plan.ts) in the batch's transaction as one statement:
// each chunk of rows is an INSERT in a WITH clause of its own (`WITH w0 AS (INSERT …), w1 AS
// (INSERT …) SELECT 1`), its column arrays numbered on from the clauses before it. Postgres runs
// every data-modifying WITH clause once, whether or not the rest of the statement reads it. One
// round trip instead of one per table: the processor's main thread is mostly busy ingesting, and
// each answer waited for it in turn (the event loop lagged about 15 ms on average), which left
// Postgres idle between the statements of a batch. The clauses see the same snapshot and may run
// in any order; that is safe here because each clause writes its own rows (a row appears in one
// chunk only) and the tables have no foreign-key constraints.
//
// In a batch of hot blocks, each write is first recorded by Subsquid's change tracker (by id,
// all it reads) so that a reorg can undo it, as Store.insert / Store.upsert do.
import type { Store } from '@subsquid/typeorm-store';
import { storeInternals } from './store-internals';
import type { PlannedWrite } from './write-plan';
import { specKey, type WriteSpecs } from './write-specs';
import { WRITTEN_ENTITIES } from './written-entities';

export async function executeWrites(store: Store, specs: WriteSpecs, writes: PlannedWrite[]): Promise<void> {
  const { em, changes } = storeInternals(store);
  if (changes) {
    for (const write of writes) {
      if (!write.ids) throw new Error(`the ${write.entity} rows of a hot batch came without their ids; the change tracker needs them`);
      const type = WRITTEN_ENTITIES[write.entity];
      const rows = write.ids.map((id) => ({ id }));
      if (write.mode === 'insert') await changes.trackInsert(type, rows);
      else await changes.trackUpsert(type, rows);
    }
  }
  const clauses: string[] = [];
  const parameters: Buffer[] = [];
  for (const write of writes) {
    const { sql } = specs[specKey(write.entity, write.mode)];
    for (const chunk of write.chunks) {
      const before = parameters.length;
      // A Buffer goes to Postgres as binary; a Uint8Array (what crossed from the state thread) would not.
      for (const column of chunk) parameters.push(Buffer.from(column.buffer, column.byteOffset, column.byteLength));
      // The statement's only `$` signs are its parameters: names come from GraphQL, which has none.
      clauses.push(`w${clauses.length} AS (${sql.replace(/\$(\d+)/g, (_, n: string) => `$${before + Number(n)}`)})`);
    }
  }
  if (clauses.length === 0) return;
  await em().query(`WITH ${clauses.join(', ')} SELECT 1`, parameters);
}
