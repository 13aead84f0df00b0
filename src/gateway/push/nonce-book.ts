// The gateway key's nonces this process has handed out and whose transactions the node may still
// hold. A new push takes the lowest nonce from the chain's next index on that nobody here holds,
// so a nonce left unused (its transaction refused or dropped) is taken again by the next push
// instead of leaving a gap behind a counter that only goes up. What still waits behind such a gap
// is found with `holes`, for the recorder to fill. A node removing a transaction from its pool
// also removes the same signer's transactions that wait behind its nonce; the book remembers
// which held nonces had one below them given back, so their pushes can tell they were removed
// for that and not for a fault of their own.

export class NonceBook {
  readonly #held = new Set<number>();
  /** Held nonces below which a nonce was given back unused while they were held. */
  readonly #behindGivenBack = new Set<number>();

  /** Holds and returns the lowest nonce at or past `onChain` (the node's next index) that is free here. */
  take(onChain: number): number {
    let nonce = onChain;
    while (this.#held.has(nonce)) nonce++;
    this.#held.add(nonce);
    return nonce;
  }

  /** Holds a nonce chosen elsewhere (a hole being filled). */
  hold(nonce: number): void {
    this.#held.add(nonce);
  }

  /**
   * The transaction with this nonce is settled (included, or gone from the pool; `unused` when
   * its nonce is free again). Returns whether a nonce below it was given back unused while it
   * was held: the node may have removed it together with the transaction it waited behind.
   */
  release(nonce: number, { unused = false } = {}): boolean {
    this.#held.delete(nonce);
    if (unused) for (const held of this.#held) if (held > nonce) this.#behindGivenBack.add(held);
    return this.#behindGivenBack.delete(nonce);
  }

  /** Whether a nonce below `nonce` is held here: a transaction of this process is still ahead of it. */
  heldBelow(nonce: number): boolean {
    for (const held of this.#held) if (held < nonce) return true;
    return false;
  }

  /**
   * Nonces from `onChain` up to the highest one held here that nothing holds: the held
   * transactions above them wait in the node's pool until something takes them. At most `limit`.
   */
  holes(onChain: number, limit: number): number[] {
    const highest = Math.max(-1, ...this.#held);
    const holes: number[] = [];
    for (let nonce = onChain; nonce < highest && holes.length < limit; nonce++) if (!this.#held.has(nonce)) holes.push(nonce);
    return holes;
  }

  /** Whether a nonce above `nonce` is held: something may wait behind it. */
  heldAbove(nonce: number): boolean {
    for (const held of this.#held) if (held > nonce) return true;
    return false;
  }
}
