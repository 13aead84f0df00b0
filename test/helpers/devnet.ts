// Starts a dev chain on a free port for a test, with a polkadot.js client connected over a
// real WebSocket, and tears both down afterwards.
import '@polkadot/api-augment';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { startDevnet, type Devnet, type DevnetOptions } from '../../src/devnet/node';

export interface TestChain {
  devnet: Devnet;
  api: ApiPromise;
  close(): Promise<void>;
}

export async function startTestChain(options: DevnetOptions = {}): Promise<TestChain> {
  const devnet = await startDevnet({ port: 0, ...options });
  const api = await ApiPromise.create({ provider: new WsProvider(devnet.wsUrl), throwOnConnect: true, noInitWarn: true });
  return {
    devnet,
    api,
    async close() {
      await api.disconnect();
      await devnet.close();
    },
  };
}

/**
 * The best block's hash once the chain has built no block for a moment: in instant mode a block
 * with transactions is followed by another about 100 ms later, so a head read right after a
 * transaction may already be behind.
 */
export async function settledHead(api: ApiPromise): Promise<string> {
  let last = '';
  for (;;) {
    const best = (await api.rpc.chain.getHeader()).hash.toHex();
    if (best === last) return best;
    last = best;
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

/** Calls an RPC method polkadot.js has no decoration for (dev_newBlock, author_removeExtrinsic) over the chain's own connection. */
export function rpcSend<T>(api: ApiPromise, method: string, params: unknown[]): Promise<T> {
  return (api as unknown as { _rpcCore: { provider: { send(m: string, p: unknown[]): Promise<T> } } })._rpcCore.provider.send(method, params);
}
