// How long the event loop went without running a timer: what a synchronous stretch of work in the
// same process held every other client up for.

/** The longest the event loop went without running a 10 ms timer, from now until stop(). */
export function watchEventLoop(): { stop(): number } {
  let longest = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  return {
    stop: () => {
      clearInterval(ticker);
      return longest;
    },
  };
}
