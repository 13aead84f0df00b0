// Where and by whom an event happened: block, time, extrinsic, the extrinsic's signer, the real
// account the pallet saw (the origin of the call that emitted the event), and the proxy when
// that call ran inside Proxy.proxy.
import type { Call, Event } from './processor';

export interface ActionContext {
  eventId: string;
  blockNumber: number;
  blockHash: string;
  timestamp: Date;
  extrinsicIndex: number | null;
  extrinsicHash: string | null;
  /** Public keys (hex). */
  signer: string | null;
  origin: string | null;
  proxy: string | null;
}

const PROXY_CALLS = new Set(['Proxy.proxy', 'Proxy.proxy_announced']);

export function actionContext(event: Event): ActionContext {
  const { block, extrinsic, call } = event;
  return {
    eventId: event.id,
    blockNumber: block.height,
    blockHash: block.hash,
    timestamp: new Date(block.timestamp ?? 0),
    extrinsicIndex: event.extrinsicIndex ?? null,
    extrinsicHash: extrinsic?.hash ?? null,
    signer: accountOfAddress(extrinsic?.signature?.address),
    origin: call ? signedOrigin(call.origin) : null,
    proxy: call ? proxyOf(call) : null,
  };
}

/** The signer of the nearest enclosing Proxy.proxy call: the account acting for the origin. */
function proxyOf(call: Call): string | null {
  for (let parent = call.parentCall; parent; parent = parent.parentCall) {
    if (PROXY_CALLS.has(parent.name)) return signedOrigin(parent.origin);
  }
  return null;
}

/** `system.Signed(account)` origins, as Subsquid reports them, to the account's public key. */
function signedOrigin(origin: unknown): string | null {
  const system = origin as { __kind?: string; value?: { __kind?: string; value?: unknown } } | undefined;
  if (system?.__kind !== 'system' || system.value?.__kind !== 'Signed') return null;
  return typeof system.value.value === 'string' ? system.value.value : null;
}

/** A MultiAddress::Id (or a bare AccountId) to the public key; other address kinds to null. */
function accountOfAddress(address: unknown): string | null {
  if (typeof address === 'string') return address;
  const multi = address as { __kind?: string; value?: unknown } | undefined;
  return multi?.__kind === 'Id' && typeof multi.value === 'string' ? multi.value : null;
}
