// chain_*: block hashes, headers, blocks, and the head subscriptions.
import { isHex, u8aToHex } from '@polkadot/util';
import type { DevChain } from '../../chain/dev-chain';
import type { BlockRecord } from '../../execution/block-builder';
import { type RpcConnection, RpcError, type RpcHandler } from '../types';
import { blockAt, notListOrValue } from './params';

const blockJson = (block: BlockRecord) => ({
  block: { header: block.header, extrinsics: block.extrinsics.map((x) => u8aToHex(x)) },
  justifications: null,
});

function optionalBlock(chain: DevChain, param: unknown): BlockRecord | null {
  // An unknown hash answers null here, as a node does for headers and blocks; a string that is
  // no hash at all is invalid params there (blockAt says so), as a node cannot read it as one.
  if (typeof param === 'string' && isHex(param, 256) && !chain.tree.has(param)) return null;
  return blockAt(chain, param);
}

function getBlockHash(chain: DevChain, param: unknown): string | null | (string | null)[] {
  if (param === undefined || param === null) return chain.tree.best.hash;
  const numbers = Array.isArray(param) ? param.map(blockHashNumber) : blockHashNumber(param);
  const hashAt = (n: number) => chain.tree.atNumber(n)?.hash ?? null;
  return Array.isArray(numbers) ? numbers.map(hashAt) : hashAt(numbers);
}

/**
 * A node's NumberOrHex for chain_getBlockHash: a JSON number up to u64 or 0x hex of at most 64
 * digits (a U256), anything else invalid params; then a block number, which is a u32 in its
 * database: past u32::MAX it errs (3001, sc-rpc's chain error), where the dev chain answered null.
 */
function blockHashNumber(param: unknown): number {
  let value: bigint;
  let written: string;
  if (typeof param === 'number' && Number.isInteger(param) && param >= 0 && param < 2 ** 64) {
    value = BigInt(param);
    written = `Number(${value})`;
  } else if (typeof param === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(param)) {
    value = BigInt(param);
    written = `Hex(${value})`;
  } else {
    throw notListOrValue();
  }
  if (value > U32_MAX) throw new RpcError(CHAIN_OTHER_ERROR, `\`${written}\` > u32::MAX, the max block number is u32.`);
  return Number(value);
}

const U32_MAX = 0xffff_ffffn;
/** sc-rpc-api's chain errors start at 3000; Error::Other is 3001. */
const CHAIN_OTHER_ERROR = 3001;

type Subscribe = (chain: DevChain, connection: RpcConnection) => string;

const subscribeNewHeads: Subscribe = (chain, connection) => {
  const listener = ({ enacted }: { enacted: BlockRecord[] }) => {
    for (const block of enacted) sub.notify(block.header);
  };
  const sub = connection.subscribe('chain_newHead', () => chain.off('bestChanged', listener));
  sub.notify(chain.tree.best.header);
  chain.on('bestChanged', listener);
  return sub.id;
};

const subscribeFinalizedHeads: Subscribe = (chain, connection) => {
  const listener = (block: BlockRecord) => sub.notify(block.header);
  const sub = connection.subscribe('chain_finalizedHead', () => chain.off('finalized', listener));
  sub.notify(chain.tree.finalized.header);
  chain.on('finalized', listener);
  return sub.id;
};

const subscribeAllHeads: Subscribe = (chain, connection) => {
  const listener = (block: BlockRecord) => sub.notify(block.header);
  const sub = connection.subscribe('chain_allHead', () => chain.off('imported', listener));
  sub.notify(chain.tree.best.header);
  chain.on('imported', listener);
  return sub.id;
};

const unsubscribe: RpcHandler = ([id], connection) => connection.unsubscribe(String(id));

export function chainMethods(chain: DevChain): Record<string, RpcHandler> {
  const newHeads: RpcHandler = (_p, c) => subscribeNewHeads(chain, c);
  const finalizedHeads: RpcHandler = (_p, c) => subscribeFinalizedHeads(chain, c);
  return {
    chain_getBlockHash: ([n]) => getBlockHash(chain, n),
    chain_getHead: () => chain.tree.best.hash,
    chain_getFinalizedHead: () => chain.tree.finalized.hash,
    chain_getFinalisedHead: () => chain.tree.finalized.hash,
    chain_getHeader: ([hash]) => optionalBlock(chain, hash)?.header ?? null,
    chain_getBlock: ([hash]) => {
      const block = optionalBlock(chain, hash);
      return block ? blockJson(block) : null;
    },
    chain_subscribeNewHeads: newHeads,
    chain_subscribeNewHead: newHeads,
    subscribe_newHead: newHeads,
    chain_unsubscribeNewHeads: unsubscribe,
    chain_unsubscribeNewHead: unsubscribe,
    unsubscribe_newHead: unsubscribe,
    chain_subscribeFinalizedHeads: finalizedHeads,
    chain_subscribeFinalisedHeads: finalizedHeads,
    chain_unsubscribeFinalizedHeads: unsubscribe,
    chain_unsubscribeFinalisedHeads: unsubscribe,
    chain_subscribeAllHeads: (_p, c) => subscribeAllHeads(chain, c),
    chain_unsubscribeAllHeads: unsubscribe,
  };
}

export { unsubscribe };
