// Metrics taken from outside the parts they measure: a BlobStore whose every call is timed, and
// wrappers around the few methods of the gateway's own objects that mark an outcome (a push's
// extrinsic, a CID whose bytes failed verification, a blob cache lookup).
import type { BlobStore } from '../ipfs/blob-store';
import type { GatewayMetrics } from './gateway-metrics';

const TIMED_STORE_METHODS = new Set(['put', 'get', 'has', 'pin', 'unpin', 'isPinned', 'stat', 'collectGarbage', 'importLeavesElsewhere', 'adoptFile', 'ping']);

/**
 * The same store with each operation's latency in `hcr_gateway_ipfs_operation_duration_seconds`
 * (outcome ok or error). Optional methods stay absent when the store lacks them, so callers that
 * test for them (`store.adoptFile?.(…)`) behave as before.
 */
export function timedBlobStore<S extends BlobStore>(store: S, metrics: GatewayMetrics): S {
  return new Proxy(store, {
    get(target, property) {
      // Read on the store itself: getters and methods may use its #private fields.
      const value = Reflect.get(target, property);
      if (typeof value !== 'function' || typeof property !== 'string' || !TIMED_STORE_METHODS.has(property)) return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => {
        const end = metrics.ipfs.startTimer({ operation: property });
        try {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (result instanceof Promise) return result.then((ok) => (end({ outcome: 'ok' }), ok), (error) => (end({ outcome: 'error' }), Promise.reject(error)));
          end({ outcome: 'ok' });
          return result;
        } catch (error) {
          end({ outcome: 'error' });
          throw error;
        }
      };
    },
  });
}

/** Replaces `object[method]` with `wrap(original)`, bound to the object. */
export function wrapMethod<T extends object, K extends keyof T>(object: T, method: K, wrap: (original: T[K]) => T[K]): void {
  const original = (object[method] as unknown as (...a: unknown[]) => unknown).bind(object) as T[K];
  Object.defineProperty(object, method, { value: wrap(original), configurable: true, writable: true });
}

/** The label for a failed extrinsic: the pallet error (`ContainerRegistry.NotSpaceOwner`), else its kind. */
export function extrinsicErrorLabel(error: unknown): string {
  const e = error as { code?: unknown; kind?: unknown; name?: unknown };
  if (typeof e?.code === 'string' && /^[A-Za-z]+\.[A-Za-z]+$/.test(e.code)) return e.code;
  if (typeof e?.kind === 'string') return e.kind;
  return typeof e?.name === 'string' && e.name !== 'Error' ? e.name : 'unknown';
}
