// dev_*: controls for tests, in the spirit of Chopsticks: build blocks now, build a fork from an
// earlier unfinalized block and make it best, or switch the best block.
import type { DevChain, RetractedPolicy } from '../../chain/dev-chain';
import type { RpcHandler } from '../types';
import { blockNumber, hexBytes, invalidParams, quoted } from './params';

interface NewBlockParams {
  count?: number;
  /** Build on this block (hash or number) instead of the best one: a fork. */
  parent?: string | number;
  /** Hex extrinsics for the first new block (fork mode only). */
  extrinsics?: string[];
  /** What a reorg does with the retracted blocks' transactions: `drop` (default) or `resubmit`. */
  retracted?: RetractedPolicy;
}

/** `retracted` of dev_newBlock and of dev_setHead's options. */
function retractedPolicy(value: unknown): RetractedPolicy {
  if (value === undefined || value === 'drop' || value === 'resubmit') return value ?? 'drop';
  throw invalidParams(`retracted must be "drop" (the default) or "resubmit", got ${quoted(value)}`);
}

/** dev_newBlock hands the event loop to others this often while it builds many blocks. */
const YIELD_EVERY_BLOCKS = 50;

export function devMethods(chain: DevChain): Record<string, RpcHandler> {
  const resolve = (ref: string | number) => {
    const block = typeof ref === 'string' && ref.length === 66 ? chain.tree.get(ref) : chain.tree.atNumber(blockNumber(ref));
    if (!block) throw invalidParams(`block ${quoted(ref)} is unknown`);
    return block;
  };
  return {
    dev_newBlock: async ([raw]) => {
      const params = (raw ?? {}) as NewBlockParams;
      if (typeof params !== 'object' || Array.isArray(params)) throw invalidParams('dev_newBlock takes { count?, parent?, extrinsics?, retracted? }');
      const count = params.count ?? 1;
      if (!Number.isInteger(count) || count < 1 || count > 10_000) throw invalidParams('count must be an integer from 1 to 10000');
      const retracted = retractedPolicy(params.retracted);
      if (params.parent !== undefined || params.extrinsics) {
        const parent = params.parent === undefined ? chain.tree.best : resolve(params.parent);
        const extrinsics = (params.extrinsics ?? []).map((x) => hexBytes(x, 'each extrinsic'));
        return chain.fork(parent.hash, count, extrinsics, retracted).hash;
      }
      let last = chain.tree.best;
      for (let i = 0; i < count; i++) {
        // 10,000 blocks take seconds; built in one go they would stop every other client (and a
        // batch of such calls, the chain) for that long.
        if (i > 0 && i % YIELD_EVERY_BLOCKS === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        last = chain.produceBlock();
      }
      return last.hash;
    },
    dev_setHead: ([ref, options]) => {
      if (typeof ref !== 'string' && typeof ref !== 'number') throw invalidParams('dev_setHead takes a block hash or number, then optionally { retracted }');
      if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) throw invalidParams('dev_setHead\'s second parameter is { retracted? }');
      const retracted = retractedPolicy((options as { retracted?: unknown } | null | undefined)?.retracted);
      const block = resolve(ref);
      try {
        return chain.setHead(block.hash, retracted).hash;
      } catch (error) {
        throw invalidParams((error as Error).message);
      }
    },
  };
}
