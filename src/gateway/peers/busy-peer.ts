// A peer that asks to be asked again shortly: a 429 (a trustless gateway admits a bounded number
// of open CARs per client, car-admission.ts) or a 503 (a gateway that cannot place a CID yet, or
// whose chain or IPFS is down) with a Retry-After. Such a peer is healthy, and passed over as a
// failed one it would fail pulls it only asked to wait for. So the same request is sent again
// once the wait is over; a wait longer than MAX_BUSY_WAIT_MS is not one worth keeping a pull for,
// and a peer that answers so for ever is asked MAX_BUSY_WAITS more times at most, then fails as
// any other error answer does: it costs bounded time, never a pull held without end.

/** The longest Retry-After waited for; a longer one fails the request at once, as before. */
export const MAX_BUSY_WAIT_MS = 5_000;
/** The waits one request may have before the peer counts as failed. */
export const MAX_BUSY_WAITS = 3;
/**
 * The time those waits may take together: a peer whose chain is down answers 503 with a
 * Retry-After of 5 s, and three of them would hold a pull 15 s before the next peer is asked.
 */
export const MAX_BUSY_TOTAL_MS = 6_000;

/**
 * The wait a busy answer asks for, in ms (seconds or an HTTP date); undefined when the answer is
 * not a 429 or 503, has no Retry-After one can read, or asks for longer than MAX_BUSY_WAIT_MS.
 */
export function busyWaitMs(status: number, retryAfter: string | string[] | undefined, now = Date.now()): number | undefined {
  if (status !== 429 && status !== 503) return undefined;
  const text = (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter)?.trim() ?? '';
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    // An HTTP date has no digits alone: a text that is none is no wait one can honour.
    const at = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return ms <= MAX_BUSY_WAIT_MS ? ms : undefined;
}

/** Resolves after `ms`; rejects with the signal's reason the moment it aborts (the client hung up). */
export function waitOut(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const reason = () => (signal?.reason instanceof Error ? signal.reason : new Error('the request was aborted'));
    if (signal?.aborted) return reject(reason());
    const onAbort = () => {
      clearTimeout(timer);
      reject(reason());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
