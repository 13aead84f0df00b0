// Balances (index 6): transfers and root balance management. Balances live in System.Account
// (AccountData), as on Hippius.
import type { Codec } from '@polkadot/types/types';
import { DispatchFailure, ensureSigned, type Origin, weight } from '../dispatch';
import type { PalletModule } from '../pallet';
import { deposit, EXISTENTIAL_DEPOSIT, EXISTENTIAL_DEPOSIT_BYTES, transfer, withdraw } from '../currency';
import { accountDataType, readAccount } from '../accounts';
import { lookupAddress } from '../address';
import { encodeU32 } from '../constants';

const ensureRoot = (origin: Origin) => {
  if (origin.kind !== 'root') throw new DispatchFailure('BadOrigin');
};

const amount = (c: Codec) => BigInt(c.toString());

const EVENTS_WHO_AMOUNT = ['Deposit', 'Withdraw', 'Slashed', 'Minted', 'Burned', 'Suspended', 'Restored'];

export const balances: PalletModule = {
  name: 'Balances',
  index: 6,
  describe(b, t) {
    const who = { name: 'who', type: t.accountId, typeName: 'T::AccountId' };
    const balance = (name: string) => ({ name, type: t.u128, typeName: 'T::Balance' });
    const dest = { name: 'dest', type: t.multiAddress, typeName: 'AccountIdLookupOf<T>' };
    const value = { name: 'value', type: t.compactU128, typeName: 'T::Balance' };
    const keepAlive = { name: 'keep_alive', type: t.bool, typeName: 'bool' };
    const status = b.simpleEnum('frame_support::traits::tokens::misc::BalanceStatus', ['Free', 'Reserved']);
    const accountData = accountDataType(b, t);
    const u128Zero = new Uint8Array(16);
    const accountFallback = new Uint8Array(64);
    accountFallback[63] = 0x80;
    const maxU32 = (n: number) => encodeU32(n);
    return {
      modulePath: 'pallet_balances::pallet',
      generics: ['T', 'I'],
      storage: [
        { name: 'TotalIssuance', modifier: 'Default', type: { plain: t.u128 }, fallback: u128Zero, docs: ['The total units issued in the system.'] },
        { name: 'InactiveIssuance', modifier: 'Default', type: { plain: t.u128 }, fallback: u128Zero, docs: [] },
        { name: 'Account', modifier: 'Default', type: { map: { hashers: ['Blake2_128Concat'], key: t.accountId, value: accountData } }, fallback: accountFallback, docs: ['Unused here: balances live in System.Account.'] },
      ],
      calls: [
        { name: 'transfer_allow_death', index: 0, args: [dest, value], docs: ['Transfer some liquid free balance to another account.'] },
        { name: 'force_transfer', index: 2, args: [{ name: 'source', type: t.multiAddress, typeName: 'AccountIdLookupOf<T>' }, dest, value], docs: ['Exactly as `transfer_allow_death`, except the origin must be root.'] },
        { name: 'transfer_keep_alive', index: 3, args: [dest, value], docs: ['Same as `transfer_allow_death`, but the sender must stay alive.'] },
        { name: 'transfer_all', index: 4, args: [dest, keepAlive], docs: ['Transfer the entire transferable balance from the caller account.'] },
        { name: 'force_set_balance', index: 8, args: [{ name: 'who', type: t.multiAddress, typeName: 'AccountIdLookupOf<T>' }, { name: 'new_free', type: t.compactU128, typeName: 'T::Balance' }], docs: ['Set the free balance of an account (root only).'] },
        { name: 'burn', index: 10, args: [value, keepAlive], docs: ['Burn the specified liquid free balance from the origin account.'] },
      ],
      events: [
        { name: 'Endowed', index: 0, fields: [{ name: 'account', type: t.accountId, typeName: 'T::AccountId' }, balance('free_balance')] },
        { name: 'DustLost', index: 1, fields: [{ name: 'account', type: t.accountId, typeName: 'T::AccountId' }, balance('amount')] },
        { name: 'Transfer', index: 2, fields: [{ name: 'from', type: t.accountId, typeName: 'T::AccountId' }, { name: 'to', type: t.accountId, typeName: 'T::AccountId' }, balance('amount')] },
        { name: 'BalanceSet', index: 3, fields: [who, balance('free')] },
        { name: 'Reserved', index: 4, fields: [who, balance('amount')] },
        { name: 'Unreserved', index: 5, fields: [who, balance('amount')] },
        { name: 'ReserveRepatriated', index: 6, fields: [{ name: 'from', type: t.accountId, typeName: 'T::AccountId' }, { name: 'to', type: t.accountId, typeName: 'T::AccountId' }, balance('amount'), { name: 'destination_status', type: status, typeName: 'Status' }] },
        ...EVENTS_WHO_AMOUNT.map((name, i) => ({ name, index: 7 + i, fields: [who, balance('amount')] })),
        { name: 'Upgraded', index: 14, fields: [who] },
        { name: 'Issued', index: 15, fields: [balance('amount')] },
        { name: 'Rescinded', index: 16, fields: [balance('amount')] },
        ...['Locked', 'Unlocked', 'Frozen', 'Thawed'].map((name, i) => ({ name, index: 17 + i, fields: [who, balance('amount')] })),
        { name: 'TotalIssuanceForced', index: 21, fields: [balance('old'), balance('new')] },
      ],
      errors: ['VestingBalance', 'LiquidityRestrictions', 'InsufficientBalance', 'ExistentialDeposit', 'Expendability', 'ExistingVestingSchedule', 'DeadAccount', 'TooManyReserves', 'TooManyHolds', 'TooManyFreezes', 'IssuanceDeactivated', 'DeltaZero'].map((name, index) => ({ name, index })),
      constants: [
        { name: 'ExistentialDeposit', type: t.u128, value: EXISTENTIAL_DEPOSIT_BYTES, docs: ['The minimum amount required to keep an account open.'] },
        { name: 'MaxLocks', type: t.u32, value: maxU32(50), docs: [] },
        { name: 'MaxReserves', type: t.u32, value: maxU32(50), docs: [] },
        { name: 'MaxFreezes', type: t.u32, value: maxU32(50), docs: [] },
      ],
    };
  },
  handlers: {
    transfer_allow_death: {
      weight: () => weight(60_000_000, 3_600),
      run(ctx, origin, [dest, value]) {
        transfer(ctx, ensureSigned(origin), lookupAddress(dest), amount(value), false);
      },
    },
    force_transfer: {
      weight: () => weight(60_000_000, 3_600),
      run(ctx, origin, [source, dest, value]) {
        ensureRoot(origin);
        transfer(ctx, lookupAddress(source), lookupAddress(dest), amount(value), false);
      },
    },
    transfer_keep_alive: {
      weight: () => weight(60_000_000, 3_600),
      run(ctx, origin, [dest, value]) {
        transfer(ctx, ensureSigned(origin), lookupAddress(dest), amount(value), true);
      },
    },
    transfer_all: {
      weight: () => weight(60_000_000, 3_600),
      run(ctx, origin, [dest, keepAlive]) {
        const from = ensureSigned(origin);
        const alive = keepAlive.toJSON() === true;
        const { free } = readAccount(ctx.store, from);
        transfer(ctx, from, lookupAddress(dest), alive ? free - EXISTENTIAL_DEPOSIT : free, alive);
      },
    },
    force_set_balance: {
      weight: () => weight(30_000_000, 3_600),
      run(ctx, origin, [whoAddress, newFree]) {
        ensureRoot(origin);
        const who = lookupAddress(whoAddress);
        const account = readAccount(ctx.store, who);
        const target = amount(newFree);
        if (target > account.free) deposit(ctx, who, target - account.free, true);
        else if (target < account.free) withdraw(ctx, who, account.free - target, false);
        ctx.deposit('Balances', 'BalanceSet', [who, target]);
      },
    },
    burn: {
      weight: () => weight(30_000_000, 3_600),
      run(ctx, origin, [value, keepAlive]) {
        const who = ensureSigned(origin);
        const burnt = amount(value);
        withdraw(ctx, who, burnt, keepAlive.toJSON() === true);
        const issuance = ctx.store.item('Balances', 'TotalIssuance');
        issuance.set(BigInt(issuance.get()?.toString() ?? '0') - burnt);
        ctx.deposit('Balances', 'Burned', [who, burnt]);
      },
    },
  },
};

