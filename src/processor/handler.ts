// One batch: decode → collect → load once → apply in chain order → write once.
import type { Store } from '@subsquid/typeorm-store';
import { collectActions } from './collect';
import type { ProcessorContext } from './processor';
import { applyActions } from './state/apply-actions';
import { BatchState } from './state/batch-state';
import { writeState } from './state/write-state';

export async function handleBatch(ctx: ProcessorContext<Store>): Promise<void> {
  const actions = await collectActions(ctx.blocks, ctx.log);
  if (actions.length === 0) return;
  const state = await BatchState.load(ctx.store, actions);
  applyActions(state, actions, ctx.log);
  await writeState(ctx.store, state);
}
