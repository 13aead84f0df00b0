// Account state (System.Account: nonce, ref counts and the balances' AccountData), read and
// written as plain bigints so balance logic stays readable.
import type { Codec } from '@polkadot/types/types';
import type { StateStore } from '../state/state-store';
import type { CommonTypes } from './common-types';
import type { LookupBuilder, TypeId } from './lookup';

export interface AccountState {
  nonce: number;
  consumers: number;
  providers: number;
  sufficients: number;
  free: bigint;
  reserved: bigint;
  frozen: bigint;
  flags: bigint;
}

/** ExtraFlags' "new logic" bit, set on every account the current balances pallet writes. */
const NEW_LOGIC_FLAG = 1n << 127n;

/** The Default value of System.Account: all zero but the new-logic flag (last byte 0x80). */
export const ACCOUNT_INFO_FALLBACK = (() => {
  const bytes = new Uint8Array(16 + 64);
  bytes[bytes.length - 1] = 0x80;
  return bytes;
})();

export function readAccount(store: StateStore, who: Uint8Array): AccountState {
  const info = store.item('System', 'Account').get(who) as unknown as
    | { nonce: Codec; consumers: Codec; providers: Codec; sufficients: Codec; data: { free: Codec; reserved: Codec; frozen: Codec; flags: Codec } }
    | undefined;
  if (!info) return { nonce: 0, consumers: 0, providers: 0, sufficients: 0, free: 0n, reserved: 0n, frozen: 0n, flags: NEW_LOGIC_FLAG };
  const big = (c: Codec) => BigInt(c.toString());
  return {
    nonce: Number(big(info.nonce)),
    consumers: Number(big(info.consumers)),
    providers: Number(big(info.providers)),
    sufficients: Number(big(info.sufficients)),
    free: big(info.data.free),
    reserved: big(info.data.reserved),
    frozen: big(info.data.frozen),
    flags: big(info.data.flags),
  };
}

export function writeAccount(store: StateStore, who: Uint8Array, account: AccountState): void {
  const item = store.item('System', 'Account');
  const dead = account.providers === 0 && account.consumers === 0 && account.sufficients === 0;
  if (dead) {
    item.remove(who);
    return;
  }
  item.set(
    {
      nonce: account.nonce,
      consumers: account.consumers,
      providers: account.providers,
      sufficients: account.sufficients,
      data: { free: account.free, reserved: account.reserved, frozen: account.frozen, flags: account.flags },
    },
    who,
  );
}

/** pallet_balances' AccountData, as System.Account and Balances.Account both hold it. */
export function accountDataType(b: LookupBuilder, t: CommonTypes): TypeId {
  return b.composite(
    'pallet_balances::types::AccountData',
    [
      { name: 'free', type: t.u128, typeName: 'Balance' },
      { name: 'reserved', type: t.u128, typeName: 'Balance' },
      { name: 'frozen', type: t.u128, typeName: 'Balance' },
      { name: 'flags', type: b.composite('pallet_balances::types::ExtraFlags', [{ type: t.u128, typeName: 'u128' }]), typeName: 'ExtraFlags' },
    ],
    [{ name: 'Balance', type: t.u128 }],
  );
}
