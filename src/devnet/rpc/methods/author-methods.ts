// author_*: submitting extrinsics, watching their way into a finalized block, the pool, and
// removing pooled transactions (unsafe, as on a node).
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import type { DevChain } from '../../chain/dev-chain';
import { decodeExtrinsic } from '../../execution/check-extrinsic';
import type { RpcHandler } from '../types';
import { unsubscribe } from './chain-methods';
import { hexBytes, invalidParams } from './params';

/**
 * author_removeExtrinsic's argument: `[{hash: "0x…"} | {extrinsic: "0x…"}, …]`, as a node takes it.
 * An extrinsic given by its bytes must decode, as on a node; it is then named by its hash.
 */
function hashesToRemove(chain: DevChain, param: unknown): string[] {
  if (!Array.isArray(param)) throw invalidParams('author_removeExtrinsic takes an array of {"hash": "0x<32 bytes>"} or {"extrinsic": "0x<bytes>"}');
  return param.map((item) => {
    const keys = item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.keys(item) : [];
    if (keys.length === 1 && keys[0] === 'hash') {
      const hash = hexBytes((item as { hash: unknown }).hash, 'hash');
      if (hash.length !== 32) throw invalidParams('hash must be 32 bytes of 0x-prefixed hex');
      return u8aToHex(hash);
    }
    if (keys.length === 1 && keys[0] === 'extrinsic') {
      const bytes = hexBytes((item as { extrinsic: unknown }).extrinsic, 'extrinsic');
      decodeExtrinsic(chain.runtime, bytes);
      return u8aToHex(blake2AsU8a(bytes));
    }
    throw invalidParams('each item must be {"hash": "0x<32 bytes>"} or {"extrinsic": "0x<bytes>"}');
  });
}

export function authorMethods(chain: DevChain): Record<string, RpcHandler> {
  return {
    author_submitExtrinsic: ([extrinsic]) => chain.submit(hexBytes(extrinsic, 'the extrinsic')),
    author_submitAndWatchExtrinsic: ([extrinsic], connection) => {
      const bytes = hexBytes(extrinsic, 'the extrinsic');
      const sub = connection.subscribe('author_extrinsicUpdate');
      // Statuses sent during submit ("ready") reach the client after the subscription id; if
      // submit throws, the transport drops the subscription with the error reply.
      chain.submit(bytes, { update: (status) => sub.notify(status), close: () => connection.unsubscribe(sub.id) });
      return sub.id;
    },
    author_unwatchExtrinsic: unsubscribe,
    author_pendingExtrinsics: () => chain.pendingExtrinsics(),
    // Unsafe (methods/index.ts): removes the transactions and bans them, as a node does.
    author_removeExtrinsic: ([items]) => chain.removeInvalid(hashesToRemove(chain, items)),
  };
}
