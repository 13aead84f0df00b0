// Puts the benchmark's load on an in-process dev chain started with manual seal: each block is
// built here (DevChain.produceBlock) from exactly the extrinsics planned for it, which a worker
// thread builds and signs ahead (bench/indexer-build.ts). Measures where the time goes: pool
// admission, block production, and within it the ContainerRegistry calls, bucketed by how many
// spaces exist (the pallet scans the Spaces map by name), and garbage collection.
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import type { Devnet } from '../src/devnet/node';
import { containerRegistry } from '../src/devnet/runtime/pallets/container-registry';
import { type BuildTimes, startBuilder } from './indexer-build';
import type { LoadPlan } from './indexer-load';

export interface FillResult {
  /** Blocks built: funding, then the planned ones, then one that only finalizes the last. */
  firstBlock: number;
  fundingBlocks: number;
  lastBlock: number;
  /** The last final block (what the processor is asked to index up to). */
  finalBlock: number;
  extrinsics: number;
  wallMs: number;
  /** Main thread (ms): pool admission, block production, the registry calls within it, waiting for the builder. */
  time: { submit: number; produce: number; registry: number; waitForBuilder: number };
  /** The builder thread (ms), overlapping the main thread's work. */
  builder: BuildTimes;
  /** Garbage collection pauses on the main thread (ms), all of them and the full (mark-compact) ones. */
  gc: { total: number; major: number };
  /** ContainerRegistry calls run during block production, by how many spaces existed then. */
  registryBySpaces: { upTo: number; calls: number; ms: number }[];
  /** Registry calls that ran without error (planned: plan.counts.registryCalls), and those that failed. */
  registryCalls: number;
  registryFailures: number;
}

export async function fillChain(devnet: Devnet, plan: LoadPlan, progress: (line: string) => void): Promise<FillResult> {
  const wallStart = performance.now();
  const chain = devnet.chain;
  const time = { submit: 0, produce: 0, registry: 0, waitForBuilder: 0 };

  const gc = { total: 0, major: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.total += entry.duration;
      if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gc.major += entry.duration;
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });

  // Registry dispatch time, bucketed by the number of spaces on chain.
  const bucketCount = 4;
  const bucketSize = Math.max(1, Math.ceil(plan.targets.spaces / bucketCount));
  const buckets = Array.from({ length: bucketCount }, (_, i) => ({ upTo: Math.min(plan.targets.spaces, (i + 1) * bucketSize), calls: 0, ms: 0 }));
  let spacesOnChain = 0;
  let registryFailures = 0;
  let registryCalls = 0;
  const restore: (() => void)[] = [];
  for (const [name, spec] of Object.entries(containerRegistry.handlers)) {
    const run = spec.run;
    spec.run = function timed(this: unknown, ...args: Parameters<typeof run>) {
      const start = performance.now();
      const bucket = buckets[Math.min(bucketCount - 1, Math.floor(spacesOnChain / bucketSize))];
      try {
        const result = run.apply(this, args);
        if (name === 'create_space') spacesOnChain++;
        registryCalls++;
        return result;
      } catch (error) {
        registryFailures++;
        throw error;
      } finally {
        const ms = performance.now() - start;
        time.registry += ms;
        bucket.calls++;
        bucket.ms += ms;
      }
    } as typeof run;
    restore.push(() => (spec.run = run));
  }

  const firstBlock = chain.tree.best.number + 1;
  const builder = await startBuilder(plan, devnet.httpUrl, chain.genesisHash, firstBlock);
  try {
    let extrinsics = 0;
    let fundingBlocks = 0;
    let events = 0;
    let built = 0;
    let lastReport = performance.now();
    const fillStart = performance.now();
    const totalBlocks = plan.firstOp.length - 1;
    for (;;) {
      const message = await builder.next();
      if (message.type === 'done') {
        time.waitForBuilder = builder.waitMs;
        const lastBlock = chain.tree.best.number;
        // One more block makes the last one final (finality lag 1).
        chain.produceBlock();
        return {
          firstBlock,
          fundingBlocks,
          lastBlock,
          finalBlock: chain.tree.finalized.number,
          extrinsics,
          wallMs: performance.now() - wallStart,
          time,
          builder: message.times,
          gc,
          registryBySpaces: buckets,
          registryCalls,
          registryFailures,
        };
      }
      let start = performance.now();
      for (const tx of message.txs) chain.submit(tx);
      time.submit += performance.now() - start;
      start = performance.now();
      const block = chain.produceBlock();
      time.produce += performance.now() - start;
      if (chain.pool.size !== 0) throw new Error(`block #${block.number} left ${chain.pool.size} of ${message.txs.length} extrinsics in the pool`);
      extrinsics += message.txs.length;
      events += message.events;
      if (message.funding) fundingBlocks++;
      else built++;
      // Let timers, the RPC server and the GC observer run now and then.
      if (built % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      const now = performance.now();
      if (now - lastReport > 5_000) {
        lastReport = now;
        const rate = events / ((now - fillStart) / 1000);
        progress(`fill: block ${built}/${totalBlocks}, ${events.toLocaleString('en-US')}/${plan.counts.events.toLocaleString('en-US')} events, ${rate.toFixed(0)} events/s so far, ${spacesOnChain} spaces on chain, ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB heap`);
      }
    }
  } finally {
    await builder.stop();
    await new Promise((resolve) => setImmediate(resolve));
    gcObserver.disconnect();
    for (const undo of restore) undo();
  }
}
