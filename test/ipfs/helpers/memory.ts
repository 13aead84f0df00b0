// Samples the process's memory while something runs, to show that streaming stays bounded.

export interface MemoryPeak {
  /** Highest RSS minus RSS at the start, in bytes. */
  readonly rssGrowth: number;
  /** Highest heap + external + array buffers minus the same at the start, in bytes. */
  readonly heapGrowth: number;
}

function heapish(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

export async function measurePeak<T>(run: () => Promise<T>, everyMs = 10): Promise<{ result: T; peak: MemoryPeak }> {
  const startRss = process.memoryUsage().rss;
  const startHeap = heapish();
  let rss = startRss;
  let heap = startHeap;
  const sample = () => {
    rss = Math.max(rss, process.memoryUsage().rss);
    heap = Math.max(heap, heapish());
  };
  const timer = setInterval(sample, everyMs);
  try {
    const result = await run();
    sample();
    return { result, peak: { rssGrowth: rss - startRss, heapGrowth: heap - startHeap } };
  } finally {
    clearInterval(timer);
  }
}
