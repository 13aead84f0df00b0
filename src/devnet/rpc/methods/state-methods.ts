// state_*: metadata, runtime version, storage reads at any block, and storage subscriptions.
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex } from '@polkadot/util-crypto';
import type { DevChain } from '../../chain/dev-chain';
import type { BlockRecord } from '../../execution/block-builder';
import { runtimeVersion } from '../../runtime/constants';
import type { RpcHandler } from '../types';
import { checkIfSafe } from '../unsafe';
import { unsubscribe } from './chain-methods';
import { blockAt, hexBytes, hexKey, invalidParams, quoted } from './params';
import { stateCall } from './runtime-calls';

/** Substrate caps state_getKeysPaged at 1000 keys per page. */
const MAX_KEYS_PAGE = 1000;

/**
 * Most storage values one state_queryStorage may read (keys × blocks in the range). The work is
 * synchronous: unbounded, one request of 200,000 keys over 10,000 blocks would stop the chain
 * (blocks, every other client) for many minutes and could build a reply too large to hold.
 */
export const MAX_QUERY_STORAGE_READS = 1_000_000;

const read = (block: BlockRecord, key: string) => {
  const value = block.state.get(key);
  return value === undefined ? null : u8aToHex(value);
};

function keysParam(param: unknown): string[] {
  if (!Array.isArray(param)) throw invalidParams('expected an array of storage keys');
  return param.map((k) => hexKey(k));
}

export function stateMethods(chain: DevChain): Record<string, RpcHandler> {
  const getStorage: RpcHandler = ([key, at]) => read(blockAt(chain, at), hexKey(key));
  const getRuntimeVersion: RpcHandler = ([at]) => {
    blockAt(chain, at);
    return runtimeVersion();
  };
  const getStorageHash: RpcHandler = ([key, at]) => {
    const value = read(blockAt(chain, at), hexKey(key));
    return value === null ? null : blake2AsHex(value);
  };
  const getStorageSize: RpcHandler = ([key, at]) => blockAt(chain, at).state.get(hexKey(key))?.length ?? null;
  const getKeysPaged: RpcHandler = ([prefix, count, startKey, at]) => {
    // A u32 in a node, which takes a JSON number only: "10" is invalid params there.
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 0xffff_ffff) throw invalidParams(`count must be a number from 0 to ${MAX_KEYS_PAGE}, got ${quoted(count)}`);
    const limit = count;
    if (limit > MAX_KEYS_PAGE) throw invalidParams(`count exceeds maximum value. value: ${limit}, max: ${MAX_KEYS_PAGE}`);
    const start = startKey === undefined || startKey === null ? '' : hexKey(startKey, 'start key');
    return blockAt(chain, at).state.sortedKeys(hexKey(prefix ?? '0x', 'key prefix')).filter((k) => k > start).slice(0, limit);
  };
  const subscribeRuntimeVersion: RpcHandler = (_p, connection) => {
    const sub = connection.subscribe('state_runtimeVersion');
    // The dev chain never upgrades its runtime: one notification, as a node sends on subscribe.
    sub.notify(runtimeVersion());
    return sub.id;
  };
  return {
    state_getMetadata: ([at]) => {
      blockAt(chain, at);
      return u8aToHex(chain.runtime.metadataV14);
    },
    state_getRuntimeVersion: getRuntimeVersion,
    chain_getRuntimeVersion: getRuntimeVersion,
    state_call: ([method, data, at]) => {
      if (typeof method !== 'string') throw invalidParams('state_call takes a runtime API method name, its SCALE-encoded arguments and an optional block hash');
      return stateCall(chain, method, hexBytes(data ?? '0x', 'call data'), blockAt(chain, at));
    },
    state_callAt: ([method, data, at]) => stateCall(chain, String(method), hexBytes(data ?? '0x', 'call data'), blockAt(chain, at)),
    state_getStorage: getStorage,
    state_getStorageAt: getStorage,
    state_getStorageHash: getStorageHash,
    state_getStorageHashAt: getStorageHash,
    state_getStorageSize: getStorageSize,
    state_getStorageSizeAt: getStorageSize,
    state_queryStorageAt: ([keys, at]) => {
      const block = blockAt(chain, at);
      return [{ block: block.hash, changes: keysParam(keys).map((k) => [k, read(block, k)]) }];
    },
    state_queryStorage: ([keys, from, to]) => {
      const list = keysParam(keys);
      const first = blockAt(chain, from);
      const last = blockAt(chain, to);
      const reads = list.length * Math.max(0, last.number - first.number + 1);
      if (reads > MAX_QUERY_STORAGE_READS) {
        throw invalidParams(`state_queryStorage would read ${reads} values (keys × blocks); ask for at most ${MAX_QUERY_STORAGE_READS} at a time (fewer keys or a shorter range)`);
      }
      const result: { block: string; changes: [string, string | null][] }[] = [];
      let previous: (string | null)[] | undefined;
      for (let n = first.number; n <= last.number; n++) {
        const block = chain.tree.ancestorAt(last, n)!;
        const values = list.map((k) => read(block, k));
        const changes = list.map((k, i) => [k, values[i]] as [string, string | null]).filter((_, i) => !previous || previous[i] !== values[i]);
        if (changes.length) result.push({ block: block.hash, changes });
        previous = values;
      }
      return result;
    },
    state_getKeys: ([prefix, at]) => blockAt(chain, at).state.sortedKeys(hexKey(prefix ?? '0x', 'key prefix')),
    state_getKeysPaged: getKeysPaged,
    state_getKeysPagedAt: getKeysPaged,
    state_getPairs: ([prefix, at]) => {
      const block = blockAt(chain, at);
      return block.state.sortedKeys(hexKey(prefix ?? '0x', 'key prefix')).map((k) => [k, read(block, k)]);
    },
    state_subscribeStorage: ([keys], connection) => {
      const list = keys === undefined || keys === null ? undefined : keysParam(keys);
      // Every change to every key, as a node counts it: unsafe.
      if (list === undefined) checkIfSafe(connection, 'state_subscribeStorage without keys');
      let last = new Map<string, string | null>();
      const notifyChanges = (block: BlockRecord, all: boolean) => {
        const watched = list ?? block.diff.map(([k]) => k);
        const changes: [string, string | null][] = [];
        const next = new Map<string, string | null>();
        for (const key of watched) {
          const value = read(block, key);
          next.set(key, value);
          if (all || last.get(key) !== value) changes.push([key, value]);
        }
        last = next;
        if (all || changes.length) sub.notify({ block: block.hash, changes });
      };
      const listener = ({ enacted }: { enacted: BlockRecord[] }) => {
        for (const block of enacted) notifyChanges(block, false);
      };
      const sub = connection.subscribe('state_storage', () => chain.off('bestChanged', listener), list?.length ?? 0);
      notifyChanges(chain.tree.best, list !== undefined);
      chain.on('bestChanged', listener);
      return sub.id;
    },
    state_unsubscribeStorage: unsubscribe,
    state_subscribeRuntimeVersion: subscribeRuntimeVersion,
    chain_subscribeRuntimeVersion: subscribeRuntimeVersion,
    state_unsubscribeRuntimeVersion: unsubscribe,
    chain_unsubscribeRuntimeVersion: unsubscribe,
  };
}
