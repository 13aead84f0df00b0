// Counts the listings of every space on chain that go through a polkadot.js API: each reads the
// spaces map's entries in the state of one block (api.at(hash)), so `entries` is counted there.
import type { ApiPromise } from '@polkadot/api';

/** Starts counting on `api`; the returned object's `count` is the listings made since. */
export function countSpaceListings(api: ApiPromise): { readonly count: number } {
  const counter = { count: 0 };
  const at = api.at.bind(api);
  const counted = new WeakSet<object>();
  Object.assign(api, {
    at: async (...args: Parameters<typeof at>) => {
      const decorated = await at(...args);
      const spaces = decorated.query.containerRegistry.spaces;
      if (!counted.has(spaces)) {
        counted.add(spaces);
        const entries = spaces.entries.bind(spaces);
        Object.assign(spaces, { entries: (...more: Parameters<typeof entries>) => ((counter.count += 1), entries(...more)) });
      }
      return decorated;
    },
  });
  return counter;
}
