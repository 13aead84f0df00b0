// One batch: decode → collect (main thread) → load what the entity cache lacks, apply in chain
// order, serialise (the state thread, see state-thread/batch-preparer.ts) → write once, in the
// batch's transaction (main thread).
import type { Store } from '@subsquid/typeorm-store';
import { collectActions } from './collect';
import { optionalInt } from './config';
import type { ProcessorContext } from './processor';
import { createBatchPreparer, stateThreadFromEnv } from './state-thread/batch-preparer';
import { storeReader } from './state/entity-reader';
import { executeWrites } from './state/execute-writes';
import { isHotStore, storeInternals } from './state/store-internals';
import { type WriteSpecs, writeSpecs } from './state/write-specs';

/** Entities per type kept between batches (PROCESSOR_CACHE_ENTRIES; 0 turns the cache off). */
const DEFAULT_CACHE_ENTRIES = 50_000;

export type BatchHandler = (ctx: ProcessorContext<Store>) => Promise<void>;

/** The indexer's handler; starts the state thread unless PROCESSOR_STATE_THREAD=main. */
export function createBatchHandler(env: NodeJS.ProcessEnv = process.env): BatchHandler {
  const cacheEntries = optionalInt(env, 'PROCESSOR_CACHE_ENTRIES') ?? DEFAULT_CACHE_ENTRIES;
  const preparer = createBatchPreparer(stateThreadFromEnv(env), cacheEntries);
  let specs: WriteSpecs | undefined;
  return async (ctx) => {
    if (ctx.blocks.length === 0) return;
    const actions = await collectActions(ctx.blocks, ctx.log);
    specs ??= writeSpecs(storeInternals(ctx.store).em());
    const input = { first: ctx.blocks[0].header.height, last: ctx.blocks[ctx.blocks.length - 1].header.height, hot: isHotStore(ctx.store), actions };
    const { writes, warnings } = await preparer.prepare(input, storeReader(ctx.store), specs);
    for (const warning of warnings) ctx.log.warn(warning);
    await executeWrites(ctx.store, specs, writes);
  };
}
