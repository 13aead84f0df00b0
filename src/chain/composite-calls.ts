// Builders for Proxy and Utility calls: how the gateway acts for a space owner
// (`proxy(owner, NonTransfer, batch_all([...]))`) and how owners grant or revoke that.
import type { ApiPromise } from '@polkadot/api';
import type { Call } from '@polkadot/types/interfaces';
import type { Tx } from './calls';
import { checkAddress, InvalidInputError } from './validate';

/** Hippius's ProxyType. NonTransfer allows every call except Balances. */
export type ProxyType = 'Any' | 'NonTransfer' | 'Governance' | 'Staking';

/** A call to nest: a built extrinsic or a decoded Call. */
export type InnerCall = Tx | Call;

const PROXY_TYPES: readonly ProxyType[] = ['Any', 'NonTransfer', 'Governance', 'Staking'];

function checkProxyType(value: unknown): ProxyType {
  if (!PROXY_TYPES.includes(value as ProxyType)) {
    throw new InvalidInputError('proxyType', `proxy type ${JSON.stringify(value)} is not valid: use one of ${PROXY_TYPES.join(', ')}`);
  }
  return value as ProxyType;
}

function checkDelay(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError('delay', `proxy delay ${JSON.stringify(value)} is not valid: give a whole number of blocks (0 for none)`);
  }
  return value;
}

function checkCalls(kind: string, calls: readonly InnerCall[]): InnerCall[] {
  if (!Array.isArray(calls) || calls.length === 0) throw new InvalidInputError('calls', `${kind} needs at least one call`);
  return [...calls];
}

/**
 * `Proxy.proxy(real, Some(proxyType), call)`: dispatches `call` as `real`. Pass `null` as the
 * type to let the chain use any proxy grant the sender holds.
 */
export function asProxy(api: ApiPromise, real: string, call: InnerCall, proxyType: ProxyType | null = 'NonTransfer'): Tx {
  return api.tx.proxy.proxy(checkAddress(real, 'real'), proxyType === null ? null : checkProxyType(proxyType), call);
}

/** All or nothing: the first failure reverts every call in the batch. */
export function batchAll(api: ApiPromise, calls: readonly InnerCall[]): Tx {
  return api.tx.utility.batchAll(checkCalls('batch_all', calls));
}

/** Stops at the first failure and keeps what ran before it (Utility.BatchInterrupted). */
export function batch(api: ApiPromise, calls: readonly InnerCall[]): Tx {
  return api.tx.utility.batch(checkCalls('batch', calls));
}

/** Runs every call whatever fails (Utility.ItemFailed per failure). */
export function forceBatch(api: ApiPromise, calls: readonly InnerCall[]): Tx {
  return api.tx.utility.forceBatch(checkCalls('force_batch', calls));
}

export function addProxy(api: ApiPromise, delegate: string, proxyType: ProxyType = 'NonTransfer', delay = 0): Tx {
  return api.tx.proxy.addProxy(checkAddress(delegate, 'delegate'), checkProxyType(proxyType), checkDelay(delay));
}

export function removeProxy(api: ApiPromise, delegate: string, proxyType: ProxyType = 'NonTransfer', delay = 0): Tx {
  return api.tx.proxy.removeProxy(checkAddress(delegate, 'delegate'), checkProxyType(proxyType), checkDelay(delay));
}
