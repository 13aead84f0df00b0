// One batch: decode → collect → load once (what the entity cache lacks) → apply in chain order →
// write once.
import type { Store } from '@subsquid/typeorm-store';
import { collectActions } from './collect';
import { optionalInt } from './config';
import type { ProcessorContext } from './processor';
import { applyActions } from './state/apply-actions';
import { BatchState } from './state/batch-state';
import { isHotStore } from './state/bulk-write';
import { EntityCache } from './state/entity-cache';
import { writeState } from './state/write-state';

/** Entities per type kept between batches (PROCESSOR_CACHE_ENTRIES; 0 turns the cache off). */
const DEFAULT_CACHE_ENTRIES = 50_000;

const cache = new EntityCache(optionalInt(process.env, 'PROCESSOR_CACHE_ENTRIES') ?? DEFAULT_CACHE_ENTRIES);

export async function handleBatch(ctx: ProcessorContext<Store>): Promise<void> {
  if (ctx.blocks.length === 0) return;
  cache.begin(ctx.blocks[0].header.height, ctx.blocks[ctx.blocks.length - 1].header.height, isHotStore(ctx.store));
  const actions = await collectActions(ctx.blocks, ctx.log);
  if (actions.length === 0) return;
  const state = await BatchState.load(ctx.store, actions, cache);
  applyActions(state, actions, ctx.log);
  await writeState(ctx.store, state);
  cache.remember(state);
}
