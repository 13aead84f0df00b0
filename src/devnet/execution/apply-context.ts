// The DispatchContext of one block: events collected with their phase, storage layers that a
// failure reverts (storage is an immutable map, so a layer is just the map it started from), and
// the origin filter a proxy type puts on every call dispatched under it.
import type { Call } from '@polkadot/types/interfaces';
import { u8aConcat } from '@polkadot/util';
import { type DispatchContext, DispatchFailure, moduleError, type Origin } from '../runtime/dispatch';
import type { Runtime } from '../runtime/runtime';
import type { StateStore } from '../state/state-store';
import { proxyFilterAllows } from '../runtime/pallets/proxy';

export type Phase = { applyExtrinsic: number } | 'Finalization' | 'Initialization';

const CALL_FILTERED = () => moduleError(1, 5);

function encodePhase(phase: Phase): Uint8Array {
  if (phase === 'Finalization') return new Uint8Array([1]);
  if (phase === 'Initialization') return new Uint8Array([2]);
  const i = phase.applyExtrinsic;
  return new Uint8Array([0, i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, (i >>> 24) & 0xff]);
}

export class ApplyContext implements DispatchContext {
  readonly #events: Uint8Array[] = [];
  #phase: Uint8Array = encodePhase('Initialization');

  constructor(
    readonly runtime: Runtime,
    readonly store: StateStore,
    readonly blockNumber: bigint,
    private readonly onInternalError: (error: unknown, call: Call) => void = () => undefined,
  ) {}

  setPhase(phase: Phase): void {
    this.#phase = encodePhase(phase);
  }

  deposit(pallet: string, event: string, fields: unknown[]): void {
    // An EventRecord: phase ++ event ++ topics (none).
    this.#events.push(u8aConcat(this.#phase, this.runtime.encodeEvent(pallet, event, fields), new Uint8Array([0])));
  }

  transactional<T>(fn: () => T): T {
    const state = this.store.state;
    const events = this.#events.length;
    try {
      return fn();
    } catch (error) {
      this.store.state = state;
      this.#events.length = events;
      throw error;
    }
  }

  dispatch(origin: Origin, call: Call): DispatchFailure | null {
    try {
      this.transactional(() => {
        if (origin.kind === 'signed' && origin.proxyType && !proxyFilterAllows(origin.proxyType, call)) throw CALL_FILTERED();
        this.runtime.handler(call).run(this, origin, call.args);
      });
      return null;
    } catch (error) {
      if (error instanceof DispatchFailure) return error;
      // A defect in a handler must fail the call, not the node.
      this.onInternalError(error, call);
      return new DispatchFailure('Other');
    }
  }

  /** Encoded Vec<EventRecord> of everything deposited so far. */
  eventCount(): number {
    return this.#events.length;
  }

  encodedEvents(): Uint8Array[] {
    return this.#events;
  }
}
