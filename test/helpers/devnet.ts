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
