// The full method table the dev chain serves; rpc_methods lists every one of them, since
// polkadot.js drops methods a node does not list (a node lists its unsafe methods too, even
// where it refuses them).
import type { DevChain } from '../../chain/dev-chain';
import type { RpcHandler } from '../types';
import { unsafeMethod } from '../unsafe';
import { authorMethods } from './author-methods';
import { chainMethods } from './chain-methods';
import { devMethods } from './dev-methods';
import { paymentMethods } from './payment-methods';
import { stateMethods } from './state-methods';
import { systemMethods } from './system-methods';

/**
 * Methods refused where unsafe methods are (--rpc-methods): the dev_* controls, which build forks
 * and move the best block, and those a Substrate node counts as unsafe. state_subscribeStorage
 * without keys is one too; state-methods.ts checks that case.
 */
export const UNSAFE_METHODS: readonly string[] = ['author_removeExtrinsic', 'dev_newBlock', 'dev_setHead', 'state_getPairs', 'state_queryStorage', 'system_peers'];

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
  for (const name of UNSAFE_METHODS) methods.set(name, unsafeMethod(name, methods.get(name)!));
  methods.set('rpc_methods', () => ({ version: 1, methods: [...methods.keys()].sort() }));
  return methods;
}
