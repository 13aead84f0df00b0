// PROCESSOR_HANDLER=noop: a handler that decodes and writes nothing. The processor still fetches
// the same blocks, events, calls and extrinsics and commits its progress, so a run with it shows
// the ingest ceiling (bench/indexer.ts). It logs the running totals of what it was given.
import type { Store } from '@subsquid/typeorm-store';
import type { ProcessorContext } from './processor';

let blocks = 0;
let events = 0;

export async function handleBatchNoop(ctx: ProcessorContext<Store>): Promise<void> {
  blocks += ctx.blocks.length;
  for (const block of ctx.blocks) events += block.events.length;
  ctx.log.info(`noop handler: ${blocks} blocks, ${events} events so far`);
}

/** The handler PROCESSOR_HANDLER names: unset or "real" for the indexer, "noop" for benchmarks. */
export function handlerKindFromEnv(env: NodeJS.ProcessEnv = process.env): 'real' | 'noop' {
  const value = env.PROCESSOR_HANDLER ?? '';
  if (value === '' || value === 'real') return 'real';
  if (value === 'noop') return 'noop';
  throw new Error(`PROCESSOR_HANDLER="${value}" is not "real" or "noop"; fix or unset it.`);
}
