// The full method table the dev chain serves; rpc_methods lists every one of them, since
// polkadot.js drops methods a node does not list.
import type { DevChain } from '../../chain/dev-chain';
import type { RpcHandler } from '../types';
import { authorMethods } from './author-methods';
import { chainMethods } from './chain-methods';
import { devMethods } from './dev-methods';
import { paymentMethods } from './payment-methods';
import { stateMethods } from './state-methods';
import { systemMethods } from './system-methods';

export function createMethods(chain: DevChain): Map<string, RpcHandler> {
  const methods = new Map<string, RpcHandler>(
    Object.entries({
      ...chainMethods(chain),
      ...stateMethods(chain),
      ...systemMethods(chain),
      ...authorMethods(chain),
      ...paymentMethods(chain),
      ...devMethods(chain),
    }),
  );
  methods.set('rpc_methods', () => ({ version: 1, methods: [...methods.keys()].sort() }));
  return methods;
}
