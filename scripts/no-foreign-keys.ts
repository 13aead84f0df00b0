// Loaded before the model when migrations are generated: every relation of the model is declared
// without a foreign-key constraint, so the generated SQL creates none (and drops old ones).
//
// Why: the processor is the only writer, and it writes parents before children in one
// transaction per batch (src/processor/state/write-plan.ts). Postgres checking each child row
// against its parents (a locking lookup per foreign key per row) took about half of the write
// time in `npm run bench:indexer`, more than all indexes together. The join columns keep their
// indexes; test/indexer checks that every reference resolves.
import { getMetadataArgsStorage } from 'typeorm';
import type { RelationMetadataArgs } from 'typeorm/metadata-args/RelationMetadataArgs';

const relations = getMetadataArgsStorage().relations;
const push = relations.push.bind(relations);
relations.push = (...items: RelationMetadataArgs[]) =>
  push(...items.map((item) => ({ ...item, options: { ...item.options, createForeignKeyConstraints: false } })));
