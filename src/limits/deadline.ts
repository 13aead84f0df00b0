// A time limit on one promise: the chain connection's attempts, the index check, the one-shot
// chain RPC client and the GraphQL server's start each give up on an answer that does not come.

/** `promise`, or an Error saying `reason` once `ms` have passed without it settling. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, reason: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(reason)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
