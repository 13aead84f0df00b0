// Runs an async function over a list with at most `limit` calls in flight, keeping the input's
// order in the results. A manifest's references are checked this way: one by one, each check's
// chain and disk round trips add up over a manifest's layers; all at once, a manifest with
// hundreds of unverified layers would hash them all together.

/** Resolves with every result in input order, or rejects with the first failure (no new calls start after it). */
export async function boundedMap<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index], index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
