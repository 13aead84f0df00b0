// The blocks of one file received from peers so far: their CIDs, so that a block recurring in the
// file (identical chunks: runs of zeros) is known when a CAR with `dups=n` leaves it out, and the
// bytes of the latest ones, so that it need not be fetched again. Both are bounded: a peer may
// send a file of millions of tiny distinct blocks (a few bytes each, a CID each to remember),
// and the memory they take must not grow with them. Past the bound the oldest are forgotten; a
// recurrence of one forgotten is then a block the CAR should have sent, and the peer's turn ends
// as for any other order (the rest is asked for from where it stopped).
import type { CID } from 'multiformats/cid';
import { cidKey } from '../../ipfs/cid';

/** Bytes of recurring blocks kept per file, beyond which a recurrence is fetched again alone. */
const KEPT_FOR_REPEATS = 16 * 1024 * 1024;
/** CIDs remembered per file: some 90 MB at most (cidKey's flat keys), a file of 256 GiB in this registry's 256 KiB chunks. */
const MAX_REMEMBERED = 1 << 20;
/** What a kept block counts for at the least: millions of blocks of a few bytes would each cost far more than their bytes. */
const BLOCK_COST_BYTES = 1024;
const costOf = (bytes: Uint8Array) => Math.max(bytes.byteLength, BLOCK_COST_BYTES);

export class SeenBlocks {
  readonly #keys = new Set<string>();
  readonly #bytes = new Map<string, Uint8Array>();
  readonly #maxKeys: number;
  #held = 0;

  constructor(options: { maxKeys?: number } = {}) {
    this.#maxKeys = options.maxKeys ?? MAX_REMEMBERED;
  }

  /** How many CIDs are remembered. */
  get size(): number {
    return this.#keys.size;
  }

  add(cid: CID, bytes: Uint8Array): void {
    const key = cidKey(cid);
    this.#keys.add(key);
    // Past the bound, the oldest goes (a Set iterates in insertion order); checked first, as this
    // runs for every block of a file.
    if (this.#keys.size > this.#maxKeys) this.#keys.delete(this.#keys.values().next().value!);
    if (this.#bytes.has(key) || bytes.byteLength > KEPT_FOR_REPEATS) return;
    this.#bytes.set(key, bytes);
    this.#held += costOf(bytes);
    for (const [oldest, old] of this.#bytes) {
      if (this.#held <= KEPT_FOR_REPEATS) break;
      this.#bytes.delete(oldest);
      this.#held -= costOf(old);
    }
  }

  has(cid: CID): boolean {
    return this.#keys.has(cidKey(cid));
  }

  bytes(cid: CID): Uint8Array | undefined {
    return this.#bytes.get(cidKey(cid));
  }
}
