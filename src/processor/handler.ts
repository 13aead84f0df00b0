// One batch: decode → collect → load once (what the entity cache lacks) → apply in chain order →
// write once.
import type { Store } from '@subsquid/typeorm-store';
import { collectActions } from './collect';
import type { ProcessorContext } from './processor';
import { applyActions } from './state/apply-actions';
import { BatchState } from './state/batch-state';
import { isHotStore } from './state/bulk-write';
import { EntityCache } from './state/entity-cache';
import { writeState } from './state/write-state';

/** Entities per type kept between batches (PROCESSOR_CACHE_ENTRIES; 0 turns the cache off). */
const DEFAULT_CACHE_ENTRIES = 50_000;

const cache = new EntityCache(cacheEntriesFromEnv());

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

function cacheEntriesFromEnv(): number {
  const raw = process.env.PROCESSOR_CACHE_ENTRIES;
  if (raw === undefined || raw === '') return DEFAULT_CACHE_ENTRIES;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`PROCESSOR_CACHE_ENTRIES="${raw}" is not a whole number ≥ 0; fix or unset it.`);
  return value;
}
