// Timestamp (index 2): the `set(now)` inherent that opens every block; Subsquid reads block
// time from it.
import { DispatchFailure, weight } from '../dispatch';
import type { PalletModule } from '../pallet';
import { encodeU64 } from '../constants';

export const MINIMUM_PERIOD_MS = 3_000n;

export const timestamp: PalletModule = {
  name: 'Timestamp',
  index: 2,
  describe(_b, t) {
    return {
      modulePath: 'pallet_timestamp::pallet',
      generics: ['T'],
      storage: [
        { name: 'Now', modifier: 'Default', type: { plain: t.u64 }, fallback: new Uint8Array(8), docs: ['The current time for the current block.'] },
        { name: 'DidUpdate', modifier: 'Default', type: { plain: t.bool }, fallback: new Uint8Array([0]), docs: ['Whether the timestamp has been updated in this block.'] },
      ],
      calls: [{ name: 'set', index: 0, args: [{ name: 'now', type: t.compactU64, typeName: 'T::Moment' }], docs: ['Set the current time (inherent).'] }],
      events: [],
      errors: [],
      constants: [{ name: 'MinimumPeriod', type: t.u64, value: encodeU64(MINIMUM_PERIOD_MS), docs: [] }],
    };
  },
  handlers: {
    set: {
      class: 'Mandatory',
      weight: () => weight(10_000_000),
      run(ctx, origin, [now]) {
        if (origin.kind !== 'none') throw new DispatchFailure('BadOrigin');
        ctx.store.item('Timestamp', 'Now').set(now);
        ctx.store.item('Timestamp', 'DidUpdate').set(true);
      },
    },
  },
};
