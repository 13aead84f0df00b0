// Unsafe methods, as a Substrate node's `--rpc-methods auto|safe|unsafe` has them: methods that
// control the chain or dump its state are served only where that is meant. `auto` allows them
// when the endpoint listens on a loopback address only, `safe` never, `unsafe` always. Like a
// node, the dev chain still lists them in rpc_methods: a refusal is decided per endpoint, not by
// what exists.
import { RPC_METHOD_NOT_FOUND, RpcError, type RpcConnection, type RpcHandler } from './types';

export const RPC_METHODS_POLICIES = ['auto', 'safe', 'unsafe'] as const;
export type RpcMethodsPolicy = (typeof RPC_METHODS_POLICIES)[number];

/** A node's text for a refused unsafe call; clients match on it, so the fix goes in `data`. */
export const UNSAFE_RPC_MESSAGE = 'RPC call is unsafe to be called externally';

export function isRpcMethodsPolicy(value: unknown): value is RpcMethodsPolicy {
  return (RPC_METHODS_POLICIES as readonly unknown[]).includes(value);
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (::ffff:127.0.0.1). */
export function isLoopback(address: string): boolean {
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  return /^127(\.\d{1,3}){3}$/.test(v4) || address === '::1';
}

/**
 * Why an endpoint bound to `listenAddress` refuses unsafe methods, or undefined when it allows
 * them. The address is the one the socket is bound to (0.0.0.0 reaches other machines even when
 * a client comes from 127.0.0.1), as a node decides.
 */
export function unsafeRefusal(listenAddress: string, policy: RpcMethodsPolicy): string | undefined {
  // Kept short and free of parentheses: polkadot.js cuts `data` at 256 characters and turns
  // "(" into ", " when it shows the error.
  if (policy === 'unsafe') return undefined;
  if (policy === 'safe') return 'the dev chain was started with --rpc-methods safe: restart it with --rpc-methods unsafe, or auto on 127.0.0.1, to call it';
  if (isLoopback(listenAddress)) return undefined;
  return `the dev chain listens on ${listenAddress}, which other machines reach: restart it with --host 127.0.0.1, or with --rpc-methods unsafe to let anyone who reaches it call it`;
}

/** Throws the node's refusal (-32601) when `connection`'s endpoint refuses unsafe methods. */
export function checkIfSafe(connection: RpcConnection, what: string): void {
  const refusal = connection.unsafeRefusal;
  if (refusal !== undefined) throw new RpcError(RPC_METHOD_NOT_FOUND, UNSAFE_RPC_MESSAGE, `${what} is unsafe and ${refusal}`);
}

/** `handler`, refused where unsafe methods are. */
export function unsafeMethod(name: string, handler: RpcHandler): RpcHandler {
  return (params, connection) => {
    checkIfSafe(connection, name);
    return handler(params, connection);
  };
}
