// What one CAR answer may cost. Anyone can record any DAG the store holds (a shared Kubo node
// holds whatever anyone added), so the walk behind a CAR is bounded by the DAG's shape, not only
// by its claimed size: a DAG of millions of tiny blocks would grow the set that keeps each block
// sent once (dups=n) without end, and a chain of nodes thousands of levels deep costs the
// depth-first walk work that grows with the square of its depth. Past either bound the CAR is
// cut short, which a client takes for a failed retrieval, as the specification has it.
import type { CID } from 'multiformats/cid';
import { cidText } from '../../ipfs/cid';
import { MAX_DAG_DEPTH } from '../../ipfs/dag-depth';

export interface CarLimits {
  /** Distinct blocks one CAR meets at most: those it sends and those the nodes it sends link to. */
  readonly maxBlocks: number;
  /** Levels below the root one CAR descends at most. */
  readonly maxDepth: number;
}

/**
 * 262,144 blocks: a file of 64 GiB in 256 KiB chunks (the import chunking here), four times the
 * largest blob a push may send, about 40 MB of remembered CIDs. The depth is every walk's here
 * (dag-depth.ts: no imported file comes near it), which the store's walk enforces too.
 */
export const DEFAULT_CAR_LIMITS: CarLimits = { maxBlocks: 262_144, maxDepth: MAX_DAG_DEPTH };

/** Why a CAR already under way is ended before its last block (logged; the client sees an incomplete CAR). */
export class CarCutShortError extends Error {
  /** The bound the CAR met, when it was one of CarLimits' (counted in the gateway's metrics). */
  constructor(message: string, readonly bound?: 'blocks' | 'depth') {
    super(message);
  }
}

/**
 * The blocks a CAR has sent and the depth of every block met (a link's depth is known from the
 * node above it before the walk reaches it). One map for both: a sent block's depth is stored
 * negated, less one, so that each CID is held once.
 */
export class CarBook {
  readonly #depths = new Map<string, number>();

  constructor(readonly root: CID, readonly limits: CarLimits) {
    this.#depths.set(cidText(root), 0);
  }

  /** Whether `cid` is still to be sent; CarCutShortError when sending it would pass a bound. */
  admit(cid: CID): boolean {
    const key = cidText(cid);
    const depth = this.#depths.get(key) ?? 0;
    if (depth < 0) return false;
    if (depth > this.limits.maxDepth) {
      throw new CarCutShortError(`${this.root} is more than ${this.limits.maxDepth} levels deep (block ${key}); no file imported here is, so its CAR is cut short`, 'depth');
    }
    this.#depths.set(key, -depth - 1);
    return true;
  }

  /** Notes the links of `parent` (just admitted) one level below it. */
  linked(parent: CID, links: readonly CID[]): void {
    // The parent's depth d is stored as -d-1: its links lie at d+1.
    const depth = -(this.#depths.get(cidText(parent)) ?? -1);
    for (const link of links) {
      const key = cidText(link);
      if (this.#depths.has(key)) continue;
      if (this.#depths.size >= this.limits.maxBlocks) {
        throw new CarCutShortError(`${this.root} has more than ${this.limits.maxBlocks} blocks; no file imported here has, so its CAR is cut short`, 'blocks');
      }
      this.#depths.set(key, depth);
    }
  }
}
