// author_*: submitting extrinsics, watching their way into a finalized block, the pool.
import type { DevChain } from '../../chain/dev-chain';
import type { RpcHandler } from '../types';
import { unsubscribe } from './chain-methods';
import { hexBytes } from './params';

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
    author_pendingExtrinsics: () => chain.pool.hexes(),
  };
}
