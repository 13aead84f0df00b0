// Subsquid's RPC ingest hands finalized blocks over in splits of 10, and the runner commits each
// split in its own transaction. Per transaction the handler pays a fixed price (loading what the
// batch touches, a handful of writes, the status update), which dominated the indexer's time.
// This wraps the RPC data source so that it keeps fetching ahead while a batch is being handled
// and hands over everything fetched meanwhile as one batch, up to a block limit. The runner
// merges consecutive batches the same way itself (while it waits for a minimum height), so a
// merged batch is an ordinary batch: one transaction, one status update, resumable as before.

/** Blocks per coalesced batch unless configured (about 5,000 events at the benchmark's density). */
export const DEFAULT_MAX_BATCH_BLOCKS = 500;

/** The shape of a batch the data source yields: consecutive blocks, and whether they reach the head. */
export interface FinalizedBatch<B> {
  blocks: B[];
  isHead: boolean;
}

type BatchStream<B> = AsyncIterable<FinalizedBatch<B>>;

/**
 * Lets the handler see the next batch before the runner hands it over: while a batch's writes
 * run in Postgres, the handler prepares the next one (see src/processor/handler.ts). The batch
 * taken ahead is exactly the one the runner gets next; what is fetched afterwards goes into the
 * batch after it.
 */
export class BatchLookahead<B = unknown> {
  #stream: LookaheadStream<B> | undefined;

  /** The next batch, formed now from what has been fetched; undefined when nothing has. */
  takeNext(): FinalizedBatch<B> | undefined {
    return this.#stream?.take();
  }

  /**
   * Settles once a whole batch (the block limit) has been fetched, or the stream has ended. A
   * batch taken as soon as possible would be small, and each batch costs a transaction.
   */
  filled(): Promise<void> {
    return this.#stream?.filled() ?? Promise.resolve();
  }

  /** Connects the coalescing stream that forms the batches (one at a time). */
  attach(stream: LookaheadStream<B>): () => void {
    this.#stream = stream;
    return () => {
      if (this.#stream === stream) this.#stream = undefined;
    };
  }
}

export interface LookaheadStream<B> {
  take(): FinalizedBatch<B> | undefined;
  filled(): Promise<void>;
}

/**
 * Reads `upstream` ahead (at most about `maxBlocks` blocks buffered) and yields what has arrived
 * since the last yield as one batch. Order and contents are unchanged.
 */
export async function* coalesceBatches<B>(upstream: BatchStream<B>, maxBlocks: number, lookahead?: BatchLookahead<B>): AsyncGenerator<FinalizedBatch<B>> {
  const source = upstream[Symbol.asyncIterator]();
  const queue: FinalizedBatch<B>[] = [];
  let buffered = 0;
  let finished = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakePump: (() => void) | undefined;
  let stopped = false;
  /** Waiting for a whole batch (BatchLookahead.filled). */
  let fillWaiters: (() => void)[] = [];
  const wakeFillWaiters = () => {
    for (const wake of fillWaiters) wake();
    fillWaiters = [];
  };

  const pump = async () => {
    try {
      while (!stopped) {
        while (buffered >= maxBlocks && !stopped) await new Promise<void>((resolve) => (wakePump = resolve));
        if (stopped) break;
        const next = await source.next();
        if (next.done) break;
        queue.push(next.value);
        buffered += next.value.blocks.length;
        wakeConsumer?.();
        if (buffered >= maxBlocks) wakeFillWaiters();
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      wakeConsumer?.();
      wakeFillWaiters();
    }
  };
  const pumping = pump();

  /** Takes what is queued, up to maxBlocks (at least one split), as one batch. */
  const formBatch = (): FinalizedBatch<B> => {
    const taken: FinalizedBatch<B>[] = [];
    let count = 0;
    while (queue.length > 0 && (taken.length === 0 || count + queue[0].blocks.length <= maxBlocks)) {
      const batch = queue.shift()!;
      taken.push(batch);
      count += batch.blocks.length;
    }
    buffered -= count;
    wakePump?.();
    wakePump = undefined;
    const last = taken[taken.length - 1];
    return taken.length === 1 ? last : { ...last, blocks: taken.flatMap((batch) => batch.blocks) };
  };
  let ahead: FinalizedBatch<B> | undefined;
  const detach = lookahead?.attach({
    take: () => (ahead ??= queue.length > 0 ? formBatch() : undefined),
    filled: () => (ahead || buffered >= maxBlocks || finished ? Promise.resolve() : new Promise<void>((resolve) => fillWaiters.push(resolve))),
  });

  try {
    while (true) {
      if (!ahead) {
        while (queue.length === 0 && !finished) await new Promise<void>((resolve) => (wakeConsumer = resolve));
        wakeConsumer = undefined;
        if (queue.length === 0) {
          if (failure) throw failure.error;
          return;
        }
      }
      const batch = ahead ?? formBatch();
      ahead = undefined;
      yield batch;
    }
  } finally {
    // Not awaited: a pending read may wait for the next head indefinitely, and a handler error
    // must reach the runner now.
    stopped = true;
    detach?.();
    wakeFillWaiters();
    wakePump?.();
    if (!finished) void source.return?.()?.catch(() => undefined);
    void pumping;
  }
}

interface FinalizedBlocksSource<B> {
  getFinalizedBlocks(requests: unknown, stopOnHead?: boolean): BatchStream<B>;
}

/** Makes a data source's finalized-block stream coalescing (see coalesceBatches). */
export function coalesceFinalizedBlocks<S extends FinalizedBlocksSource<unknown>>(source: S, maxBlocks: number, lookahead?: BatchLookahead): S {
  const original = source.getFinalizedBlocks.bind(source);
  source.getFinalizedBlocks = (requests: unknown, stopOnHead?: boolean) => coalesceBatches(original(requests, stopOnHead), maxBlocks, lookahead);
  return source;
}

/**
 * Makes a SubstrateBatchProcessor hand its handler coalesced batches of finalized blocks. It
 * reaches into the processor's RPC data source factory, which substrate-processor 8 does not
 * export; the check below turns a library change into a clear start-up error.
 */
export function coalesceProcessorIngest(processor: object, maxBlocks: number, lookahead?: BatchLookahead): void {
  const target = processor as { getRpcDataSource?: () => FinalizedBlocksSource<unknown> };
  if (typeof target.getRpcDataSource !== 'function') {
    throw new Error('@subsquid/substrate-processor no longer has getRpcDataSource(); batch coalescing needs updating for this version (or set PROCESSOR_MAX_BATCH_BLOCKS=0 to run without it).');
  }
  const create = target.getRpcDataSource.bind(processor);
  let source: FinalizedBlocksSource<unknown> | undefined;
  target.getRpcDataSource = () => (source ??= coalesceFinalizedBlocks(create(), maxBlocks, lookahead));
}
