// Starts the development chain with its JSON-RPC endpoint (WebSocket and HTTP on one port).
import { DevChain, type DevChainOptions } from './chain/dev-chain';
import { createMethods } from './rpc/methods';
import { startRpcServer } from './rpc/server';
import type { RpcServer, RpcServerOptions } from './rpc/types';
import type { RpcMethodsPolicy } from './rpc/unsafe';

/** The endpoint's limits; each defaults to what a Substrate node uses (see rpc/server.ts). */
export type RpcLimits = Pick<
  RpcServerOptions,
  'maxRequestBytes' | 'maxResponseBytes' | 'maxBufferedRequestBytes' | 'maxSubscriptionsPerConnection' | 'maxWatchedKeysPerConnection' | 'maxBufferedBytesPerConnection' | 'maxConnections'
>;

export interface DevnetOptions extends DevChainOptions {
  host?: string;
  /** 9944 by default; 0 picks a free port. */
  port?: number;
  /**
   * Where the unsafe methods (dev_newBlock, dev_setHead, ...) are served, as a node's
   * --rpc-methods: `auto` (default) only when `host` is a loopback address, `safe` nowhere,
   * `unsafe` everywhere.
   */
  rpcMethods?: RpcMethodsPolicy;
  rpcLimits?: RpcLimits;
}

export interface Devnet {
  readonly chain: DevChain;
  readonly server: RpcServer;
  readonly wsUrl: string;
  readonly httpUrl: string;
  close(): Promise<void>;
}

export const DEFAULT_DEVNET_PORT = 9944;

export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const chain = await DevChain.open(options);
  let server: RpcServer;
  try {
    server = await startRpcServer({
      ...options.rpcLimits,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? DEFAULT_DEVNET_PORT,
      rpcMethods: options.rpcMethods,
      methods: createMethods(chain),
      onInternalError: (method, error) => options.log?.(`internal error in ${method}: ${(error as Error)?.stack ?? error}`),
    });
  } catch (error) {
    chain.close();
    throw error;
  }
  return {
    chain,
    server,
    wsUrl: server.wsUrl,
    httpUrl: server.httpUrl,
    async close() {
      chain.close();
      await server.close();
    },
  };
}
