// One batch: decode → collect (main thread) → load what the entity cache lacks, apply in chain
// order, serialise (the state thread, see state-thread/batch-preparer.ts) → write once, in the
// batch's transaction (main thread).
//
// Pipelining: the writes are Postgres's work, most of a batch's time. While they run, the
// handler takes the next finalized batch from the ingest (BatchLookahead) and has it prepared,
// so that when the runner hands that batch over, only its writes are left. The next batch reads
// what the cache lacks through this batch's transaction, after this batch's writes, and this
// handler returns only once those reads are done: it sees exactly what its own transaction
// would. A batch handed over that is not the one prepared ahead (a retried transaction, a batch
// merged by the runner) is prepared again; the entity cache forgets what the discarded
// preparation did, as for any retry (it starts at or below the last height it saw).
import type { Store } from '@subsquid/typeorm-store';
import type { BatchLookahead } from './batch-coalescing';
import { collectActions, type CollectLog } from './collect';
import { optionalInt } from './config';
import type { Block, Event, ProcessorContext } from './processor';
import { createBatchPreparer, stateThreadFromEnv } from './state-thread/batch-preparer';
import { readerAfter } from './state/deferred-reader';
import { type EntityReader, storeReader } from './state/entity-reader';
import { executeWrites } from './state/execute-writes';
import type { PreparedBatch } from './state/prepare-batch';
import { isHotStore, storeInternals } from './state/store-internals';
import { type WriteSpecs, writeSpecs } from './state/write-specs';

/** Entities per type kept between batches (PROCESSOR_CACHE_ENTRIES; 0 turns the cache off). */
const DEFAULT_CACHE_ENTRIES = 50_000;

export type BatchHandler = (ctx: ProcessorContext<Store>) => Promise<void>;

type HandledBlock = { header: Block; events: Event[] };

interface PreparedAhead {
  blocks: HandledBlock[];
  result: Promise<PreparedBatch>;
  /** Settles once the preparation reads nothing more (or has failed). */
  loaded: Promise<void>;
}

/** The indexer's handler; starts the state thread unless PROCESSOR_STATE_THREAD=main. */
export function createBatchHandler(lookahead?: BatchLookahead, env: NodeJS.ProcessEnv = process.env): BatchHandler {
  const cacheEntries = optionalInt(env, 'PROCESSOR_CACHE_ENTRIES') ?? DEFAULT_CACHE_ENTRIES;
  const preparer = createBatchPreparer(stateThreadFromEnv(env), cacheEntries);
  let specs: WriteSpecs | undefined;
  let ahead: PreparedAhead | undefined;

  const prepare = async (blocks: HandledBlock[], hot: boolean, reader: EntityReader, log: CollectLog, onLoaded?: () => void) => {
    const actions = await collectActions(blocks, log);
    const input = { first: blocks[0].header.height, last: blocks[blocks.length - 1].header.height, hot, actions };
    return preparer.prepare(input, reader, specs!, onLoaded);
  };

  const prepareAhead = (ctx: ProcessorContext<Store>, writing: Promise<void>): PreparedAhead | undefined => {
    const next = lookahead?.takeNext();
    if (!next || next.blocks.length === 0) return undefined;
    const blocks = next.blocks as HandledBlock[];
    let loaded!: () => void;
    const loadedPromise = new Promise<void>((resolve) => (loaded = resolve));
    const result = prepare(blocks, false, readerAfter(writing, storeReader(ctx.store)), ctx.log, loaded);
    result.then(loaded, loaded);
    return { blocks, result, loaded: loadedPromise };
  };

  return async (ctx) => {
    if (ctx.blocks.length === 0) return;
    specs ??= writeSpecs(storeInternals(ctx.store).em());
    const hot = isHotStore(ctx.store);
    const guess = ahead;
    ahead = undefined;
    let prepared: PreparedBatch | undefined;
    if (guess) {
      // The state thread prepares one batch at a time: let this one finish either way.
      const result = await guess.result.catch(() => undefined);
      if (!hot && sameBlocks(guess.blocks, ctx.blocks)) prepared = result;
    }
    prepared ??= await prepare(ctx.blocks, hot, storeReader(ctx.store), ctx.log);
    for (const warning of prepared.warnings) ctx.log.warn(warning);
    const writing = executeWrites(ctx.store, specs, prepared.writes);
    if (!hot && lookahead) {
      // Take the next batch once a whole one has been fetched (or these writes are done); not
      // after a failed write, which fails this batch.
      const settled = await Promise.race([writing.then(() => 'written', () => 'failed'), lookahead.filled().then(() => 'filled')]);
      if (settled !== 'failed') ahead = prepareAhead(ctx, writing);
    }
    await writing;
    await ahead?.loaded;
  };
}

function sameBlocks(a: HandledBlock[], b: HandledBlock[]): boolean {
  return a.length === b.length && a[0].header.hash === b[0].header.hash && a[a.length - 1].header.hash === b[b.length - 1].header.hash;
}
