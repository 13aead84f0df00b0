// Balance movements with pallet_balances' rules: the existential deposit, account creation
// and reaping, and the events each step emits. Fees go through `withdrawFee`.
import type { StateStore } from '../state/state-store';
import { readAccount, writeAccount } from './accounts';
import { type DispatchContext, DispatchFailure } from './dispatch';
import { encodeU128 } from './constants';

/** Hippius's ExistentialDeposit (500 units of 10^-18 hALPHA). */
export const EXISTENTIAL_DEPOSIT = 500n;

const token = (reason: string) => new DispatchFailure({ Token: reason });

function adjustIssuance(store: StateStore, delta: bigint): void {
  const item = store.item('Balances', 'TotalIssuance');
  const current = BigInt(item.get()?.toString() ?? '0');
  item.set(current + delta);
}

/** Credits `amount` to `who`, creating the account (providers = 1) when it is new. */
export function deposit(ctx: DispatchContext, who: Uint8Array, amount: bigint, mint: boolean): void {
  const account = readAccount(ctx.store, who);
  const isNew = account.providers === 0;
  if (isNew && amount < EXISTENTIAL_DEPOSIT) throw token('BelowMinimum');
  account.free += amount;
  if (isNew) account.providers = 1;
  writeAccount(ctx.store, who, account);
  if (mint) adjustIssuance(ctx.store, amount);
  if (isNew) {
    ctx.deposit('System', 'NewAccount', [who]);
    ctx.deposit('Balances', 'Endowed', [who, amount]);
  }
}

/** Debits `amount` from `who`; with `keepAlive` the account must stay at or above the ED. */
export function withdraw(ctx: DispatchContext, who: Uint8Array, amount: bigint, keepAlive: boolean): void {
  const account = readAccount(ctx.store, who);
  if (account.free < amount) throw token('FundsUnavailable');
  const remaining = account.free - amount;
  if (keepAlive && remaining < EXISTENTIAL_DEPOSIT) throw token('NotExpendable');
  account.free = remaining;
  if (remaining < EXISTENTIAL_DEPOSIT && account.consumers === 0) {
    // Reaped: the dust is lost and the account removed.
    account.free = 0n;
    account.providers = 0;
    writeAccount(ctx.store, who, { ...account, nonce: 0 });
    if (remaining > 0n) {
      adjustIssuance(ctx.store, -remaining);
      ctx.deposit('Balances', 'DustLost', [who, remaining]);
    }
    ctx.deposit('System', 'KilledAccount', [who]);
    return;
  }
  writeAccount(ctx.store, who, account);
}

export function transfer(ctx: DispatchContext, from: Uint8Array, to: Uint8Array, amount: bigint, keepAlive: boolean): void {
  ctx.transactional(() => {
    withdraw(ctx, from, amount, keepAlive);
    deposit(ctx, to, amount, false);
    ctx.deposit('Balances', 'Transfer', [from, to, amount]);
  });
}

/** The fee is withdrawn before dispatch and burnt; the payer must stay alive. */
export function canPayFee(store: StateStore, who: Uint8Array, fee: bigint): boolean {
  const { free } = readAccount(store, who);
  return free >= fee + EXISTENTIAL_DEPOSIT;
}

export function withdrawFee(ctx: DispatchContext, who: Uint8Array, fee: bigint): void {
  const account = readAccount(ctx.store, who);
  account.free -= fee;
  writeAccount(ctx.store, who, account);
  adjustIssuance(ctx.store, -fee);
  ctx.deposit('Balances', 'Withdraw', [who, fee]);
}

/**
 * transaction-payment's correction after dispatch: the part of the withdrawn fee the call did not
 * owe goes back to the payer (Balances.Deposit), no longer burnt. A payer the call itself reaped
 * (sudo_as moving the sudo key's whole balance) gets nothing back, as a node refunds only an
 * account that still has a balance.
 */
export function refundFee(ctx: DispatchContext, who: Uint8Array, refund: bigint): void {
  if (refund <= 0n) return;
  const account = readAccount(ctx.store, who);
  if (account.providers === 0) return;
  account.free += refund;
  writeAccount(ctx.store, who, account);
  adjustIssuance(ctx.store, refund);
  ctx.deposit('Balances', 'Deposit', [who, refund]);
}

/** Genesis endowment: balance, provider reference and issuance, no events. */
export function endow(store: StateStore, who: Uint8Array, amount: bigint): void {
  const account = readAccount(store, who);
  account.free += amount;
  account.providers = Math.max(account.providers, 1);
  writeAccount(store, who, account);
  adjustIssuance(store, amount);
}

export const EXISTENTIAL_DEPOSIT_BYTES = encodeU128(EXISTENTIAL_DEPOSIT);
