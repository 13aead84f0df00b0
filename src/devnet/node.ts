// Starts the development chain with its JSON-RPC endpoint (WebSocket and HTTP on one port).
import { DevChain, type DevChainOptions } from './chain/dev-chain';
import { createMethods } from './rpc/methods';
import { startRpcServer } from './rpc/server';
import type { RpcServer } from './rpc/types';

export interface DevnetOptions extends DevChainOptions {
  host?: string;
  /** 9944 by default; 0 picks a free port. */
  port?: number;
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
      host: options.host ?? '127.0.0.1',
      port: options.port ?? DEFAULT_DEVNET_PORT,
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
