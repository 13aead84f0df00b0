// TransactionPayment (index 7): no calls; its event reports the fee each signed extrinsic
// paid (see ../fees.ts for the formula).
import type { PalletModule } from '../pallet';

/**
 * Hippius's OperationalFeeMultiplier: how many times its fee an Operational transaction adds to
 * its tip when the pool ranks it (see ../../execution/priority.ts).
 */
export const OPERATIONAL_FEE_MULTIPLIER = 2n;

export const transactionPayment: PalletModule = {
  name: 'TransactionPayment',
  index: 7,
  describe(b, t) {
    const fixedU128 = b.composite('sp_arithmetic::fixed_point::FixedU128', [{ type: t.u128, typeName: 'u128' }]);
    const releases = b.simpleEnum('pallet_transaction_payment::Releases', ['V1Ancient', 'V2']);
    // 1.0 as FixedU128 (10^18), little-endian.
    const one = new Uint8Array(16);
    let v = 10n ** 18n;
    for (let i = 0; i < 16; i++, v >>= 8n) one[i] = Number(v & 0xffn);
    return {
      modulePath: 'pallet_transaction_payment::pallet',
      generics: ['T'],
      storage: [
        { name: 'NextFeeMultiplier', modifier: 'Default', type: { plain: fixedU128 }, fallback: one, docs: [] },
        { name: 'StorageVersion', modifier: 'Default', type: { plain: releases }, fallback: new Uint8Array([0]), docs: [] },
      ],
      calls: [],
      events: [
        {
          name: 'TransactionFeePaid',
          index: 0,
          fields: [
            { name: 'who', type: t.accountId, typeName: 'T::AccountId' },
            { name: 'actual_fee', type: t.u128, typeName: 'BalanceOf<T>' },
            { name: 'tip', type: t.u128, typeName: 'BalanceOf<T>' },
          ],
          docs: ['A transaction fee `actual_fee`, of which `tip` was added to the minimum inclusion fee, has been paid by `who`.'],
        },
      ],
      errors: [],
      constants: [{ name: 'OperationalFeeMultiplier', type: t.u8, value: new Uint8Array([Number(OPERATIONAL_FEE_MULTIPLIER)]), docs: [] }],
    };
  },
  handlers: {},
};
