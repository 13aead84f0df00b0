// All known blocks (every branch), the canonical chain from genesis to the best block, and
// finality. A new best block that does not extend the old one is a reorg: the caller learns
// which blocks were retracted and which enacted.
import type { BlockRecord } from '../execution/block-builder';

export interface HeadChange {
  best: BlockRecord;
  retracted: BlockRecord[];
  enacted: BlockRecord[];
}

export class BlockTree {
  readonly #blocks = new Map<string, BlockRecord>();
  readonly #canonical: string[] = [];
  readonly #children = new Map<string, BlockRecord[]>();
  #finalized: BlockRecord;

  constructor(readonly genesis: BlockRecord) {
    this.#blocks.set(genesis.hash, genesis);
    this.#canonical.push(genesis.hash);
    this.#finalized = genesis;
  }

  get best(): BlockRecord {
    return this.#blocks.get(this.#canonical[this.#canonical.length - 1])!;
  }

  get finalized(): BlockRecord {
    return this.#finalized;
  }

  get(hash: string): BlockRecord | undefined {
    return this.#blocks.get(hash.toLowerCase());
  }

  has(hash: string): boolean {
    return this.#blocks.has(hash.toLowerCase());
  }

  /** The canonical block at a height, or undefined above the best block. */
  atNumber(number: number): BlockRecord | undefined {
    const hash = this.#canonical[number];
    return hash === undefined ? undefined : this.#blocks.get(hash);
  }

  isCanonical(block: BlockRecord): boolean {
    return this.#canonical[block.number] === block.hash;
  }

  /** The ancestor of `block` (or `block` itself) at a height. */
  ancestorAt(block: BlockRecord, number: number): BlockRecord | undefined {
    if (number > block.number || number < 0) return undefined;
    if (this.isCanonical(block)) return this.atNumber(number);
    let current: BlockRecord | undefined = block;
    while (current && current.number > number) current = this.#blocks.get(current.parentHash);
    return current;
  }

  /** Adds a block whose parent is known; makes it best when it extends the best block. */
  add(block: BlockRecord): HeadChange | null {
    if (!this.#blocks.has(block.parentHash)) throw new Error(`parent ${block.parentHash} of block ${block.number} is unknown`);
    this.#blocks.set(block.hash, block);
    const siblings = this.#children.get(block.parentHash) ?? [];
    siblings.push(block);
    this.#children.set(block.parentHash, siblings);
    if (block.parentHash !== this.best.hash) return null;
    this.#canonical.push(block.hash);
    return { best: block, retracted: [], enacted: [block] };
  }

  /** Makes `hash` the best block, reorganising the canonical chain above the finalized one. */
  setHead(hash: string): HeadChange {
    const target = this.get(hash);
    if (!target) throw new Error(`block ${hash} is unknown`);
    const enacted: BlockRecord[] = [];
    let cursor: BlockRecord = target;
    while (!this.isCanonical(cursor)) {
      enacted.unshift(cursor);
      cursor = this.#blocks.get(cursor.parentHash)!;
    }
    if (cursor.number < this.#finalized.number) throw new Error(`block ${hash} does not descend from the finalized block #${this.#finalized.number}`);
    const retracted = this.#canonical.slice(cursor.number + 1).reverse().map((h) => this.#blocks.get(h)!);
    this.#canonical.length = cursor.number + 1;
    for (const block of enacted) this.#canonical.push(block.hash);
    return { best: target, retracted, enacted };
  }

  /** Finalizes the canonical block at `number` (never backwards); returns newly final blocks. */
  finalizeTo(number: number): BlockRecord[] {
    const newlyFinal: BlockRecord[] = [];
    for (let n = this.#finalized.number + 1; n <= number && n < this.#canonical.length; n++) newlyFinal.push(this.atNumber(n)!);
    if (newlyFinal.length) this.#finalized = newlyFinal[newlyFinal.length - 1];
    return newlyFinal;
  }

  /** Restores finality when loading a persisted chain. */
  restoreFinalized(hash: string): void {
    const block = this.get(hash);
    if (block && this.isCanonical(block)) this.#finalized = block;
  }

  children(hash: string): BlockRecord[] {
    return this.#children.get(hash) ?? [];
  }
}
