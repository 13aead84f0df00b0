// The runtime's block limits and frame_system's CheckWeight, which applies them: a transaction
// is refused by the pool when it could not fit even in an empty block, and a block being built
// takes an extrinsic only while its class's share of weight and length has room for it (the rest
// wait for the next block). The numbers are Hippius's `System.BlockWeights` and
// `System.BlockLength` constants (test/devnet/block-limits.test.ts reads them from the real
// metadata).
import type { DispatchClass, Weight } from '../runtime/dispatch';
import { InvalidTransaction } from './invalid-transaction';

export type { DispatchClass };

/** frame_system::limits::WeightsPerClass; an absent limit is `None` (unlimited). */
export interface ClassWeights {
  baseExtrinsic: Weight;
  maxExtrinsic?: Weight;
  maxTotal?: Weight;
  reserved?: Weight;
}

export interface BlockWeights {
  baseBlock: Weight;
  maxBlock: Weight;
  perClass: Record<DispatchClass, ClassWeights>;
}

/** The largest u64: weights, priorities and block numbers saturate at it. */
export const U64_MAX = (1n << 64n) - 1n;
const w = (refTime: bigint, proofSize: bigint): Weight => ({ refTime, proofSize });

/**
 * Hippius's: 2 s of ref time a block (Substrate's usual), 75% of it for Normal extrinsics, the
 * rest reserved for Operational ones; proof size is not limited (a solo chain has no PoV).
 */
export const BLOCK_WEIGHTS: BlockWeights = {
  baseBlock: w(453_383_000n, 0n),
  maxBlock: w(2_000_000_000_000n, U64_MAX),
  perClass: {
    Normal: {
      baseExtrinsic: w(107_074_000n, 0n),
      maxExtrinsic: w(1_299_892_926_000n, 0xa666666666666666n),
      maxTotal: w(1_500_000_000_000n, 0xbfffffffffffffffn),
      reserved: w(0n, 0n),
    },
    Operational: {
      baseExtrinsic: w(107_074_000n, 0n),
      maxExtrinsic: w(1_799_892_926_000n, 0xe666666666666666n),
      maxTotal: w(2_000_000_000_000n, U64_MAX),
      reserved: w(500_000_000_000n, 0x4000000000000000n),
    },
    Mandatory: { baseExtrinsic: w(107_074_000n, 0n) },
  },
};

/** The most encoded bytes a block's extrinsics of each class may add up to: 5 MiB, 75% for Normal. */
export const BLOCK_LENGTH: Record<DispatchClass, number> = { Normal: 3_932_160, Operational: 5_242_880, Mandatory: 5_242_880 };

const ZERO = w(0n, 0n);
const CLASSES = ['Normal', 'Operational', 'Mandatory'] as const;
const add = (a: Weight, b: Weight): Weight => w(a.refTime + b.refTime, a.proofSize + b.proofSize);
const anyGt = (a: Weight, b: Weight) => a.refTime > b.refTime || a.proofSize > b.proofSize;
const overflows = (a: Weight) => a.refTime > U64_MAX || a.proofSize > U64_MAX;
const saturate = (a: Weight): Weight => w(a.refTime > U64_MAX ? U64_MAX : a.refTime, a.proofSize > U64_MAX ? U64_MAX : a.proofSize);
const exhausted = () => new InvalidTransaction('ExhaustsResources');

/** What a block has used: weight per class (System.BlockWeight) and length (AllExtrinsicsLen). */
export class BlockUsage {
  readonly weight: Record<DispatchClass, Weight>;
  length = 0;

  /** Empty, as the runtime clears both before it validates a transaction for the pool. */
  constructor(readonly limits = BLOCK_WEIGHTS, readonly lengthLimits = BLOCK_LENGTH) {
    this.weight = { Normal: ZERO, Operational: ZERO, Mandatory: ZERO };
  }

  /** A block being built starts with its base weight, counted as Mandatory (frame_executive). */
  static forBlock(limits = BLOCK_WEIGHTS, lengthLimits = BLOCK_LENGTH): BlockUsage {
    const usage = new BlockUsage(limits, lengthLimits);
    usage.weight.Mandatory = limits.baseBlock;
    return usage;
  }

  /**
   * CheckWeight's validation, all a pool checks (on an empty block): the class's length limit,
   * then the extrinsic's own weight limit, its length counted as proof size.
   */
  validate(weight: Weight, dispatchClass: DispatchClass, length: number): void {
    if (this.length + length > this.lengthLimits[dispatchClass]) throw exhausted();
    const maxExtrinsic = this.limits.perClass[dispatchClass].maxExtrinsic;
    if (maxExtrinsic && anyGt(add(weight, w(0n, BigInt(length))), maxExtrinsic)) throw exhausted();
  }

  /**
   * Counts an extrinsic into the block (its declared weight, class and encoded length), or throws
   * ExhaustsResources and counts nothing, as CheckWeight does when a block applies it: the
   * validation, then the class's total (weight, base extrinsic weight, length as proof size)
   * against its maximum, falling back to the class's reserved share once the block's maximum is
   * passed.
   */
  add(weight: Weight, dispatchClass: DispatchClass, length: number): void {
    this.validate(weight, dispatchClass, length);
    const limits = this.limits.perClass[dispatchClass];
    const limited = limits.maxTotal !== undefined || limits.reserved !== undefined;
    let perClass = add(this.weight[dispatchClass], add(add(weight, limits.baseExtrinsic), w(0n, BigInt(length))));
    if (overflows(perClass)) {
      if (limited) throw exhausted();
      perClass = saturate(perClass);
    }
    if (limits.maxTotal && anyGt(perClass, limits.maxTotal)) throw exhausted();
    const total = CLASSES.reduce((sum, c) => add(sum, c === dispatchClass ? perClass : this.weight[c]), ZERO);
    if (anyGt(total, this.limits.maxBlock) && limits.reserved && anyGt(perClass, limits.reserved)) throw exhausted();
    this.weight[dispatchClass] = perClass;
    this.length += length;
  }

  /** Whether `add` would take the extrinsic. */
  fits(weight: Weight, dispatchClass: DispatchClass, length: number): boolean {
    const copy = new BlockUsage(this.limits, this.lengthLimits);
    Object.assign(copy.weight, this.weight);
    copy.length = this.length;
    try {
      copy.add(weight, dispatchClass, length);
      return true;
    } catch (error) {
      if (error instanceof InvalidTransaction) return false;
      throw error;
    }
  }
}
