// A limit on how many of a test file's jobs (each an `hcr` child, say) run at once: independent
// runs overlap, so a file takes less time, without starting so many processes at once on a small
// CI machine that each start takes longer than the deadline collect() gives it.

/**
 * A function that runs the jobs given to it, at most `limit` of them at a time, in the order
 * given; a job given with `first` goes ahead of the waiting jobs given without (a file's longest
 * chain of steps, which would otherwise wait behind the jobs that can run any time).
 */
export function atMost(limit: number): <T>(job: () => Promise<T>, first?: boolean) => Promise<T> {
  let running = 0;
  const waiting: Array<{ first: boolean; start: () => void }> = [];
  return async <T>(job: () => Promise<T>, first = false): Promise<T> => {
    if (running >= limit) {
      await new Promise<void>((start) => {
        const at = first ? waiting.findIndex((w) => !w.first) : -1;
        waiting.splice(at === -1 ? waiting.length : at, 0, { first, start });
      });
    } else running += 1;
    try {
      return await job();
    } finally {
      // The slot passes to the next waiting job, or is given back.
      const next = waiting.shift();
      if (next) next.start();
      else running -= 1;
    }
  };
}
