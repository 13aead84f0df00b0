// system_*, rpc_methods' siblings: what the node is and how it is doing.
import { SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL, CHAIN_NAME, IMPL_NAME } from '../../runtime/constants';
import type { DevChain } from '../../chain/dev-chain';
import type { RpcHandler } from '../types';
import { accountId } from './params';

export const NODE_VERSION = '0.1.0';

export function systemMethods(chain: DevChain): Record<string, RpcHandler> {
  const nextIndex: RpcHandler = ([address]) => chain.nextNonce(accountId(address));
  return {
    system_chain: () => CHAIN_NAME,
    system_name: () => IMPL_NAME,
    system_version: () => NODE_VERSION,
    system_chainType: () => 'Development',
    system_properties: () => ({ ss58Format: SS58_PREFIX, tokenDecimals: TOKEN_DECIMALS, tokenSymbol: TOKEN_SYMBOL }),
    system_health: () => ({ peers: 0, isSyncing: false, shouldHavePeers: false }),
    system_localPeerId: () => '12D3KooWDevnetHcrLocalPeer',
    system_localListenAddresses: () => [],
    system_nodeRoles: () => ['Authority'],
    system_peers: () => [],
    system_syncState: () => ({ startingBlock: 0, currentBlock: chain.tree.best.number, highestBlock: chain.tree.best.number }),
    system_accountNextIndex: nextIndex,
    account_nextIndex: nextIndex,
  };
}
