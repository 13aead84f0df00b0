// A wait a walk can leave when its consumer is gone: a read of a block may take as long as the
// store's lookup timeout (Kubo searching the network), and a walk kept waiting on it for a client
// that hung up holds its resources (a CAR answer's admission slot, a leaf file) until then.

/** `pending`, or the signal's reason as soon as it aborts; without a signal, `pending` itself. */
export function untilAborted<T>(pending: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return pending;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}
