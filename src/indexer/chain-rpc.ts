// A one-shot JSON-RPC client for the few node queries the indexer makes outside the processor
// (the chain guard, the typegen input script): WebSocket or HTTP, whichever the URL names.
import { HttpProvider, WsProvider } from '@polkadot/api';
import { withDeadline } from '../limits/deadline';

export interface ChainRpc {
  call<T>(method: string, params?: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export async function connectChainRpc(url: string, timeoutMs = 15_000): Promise<ChainRpc> {
  if (/^https?:\/\//.test(url)) {
    const provider = new HttpProvider(url);
    return { call: (method, params = []) => provider.send(method, params), close: () => provider.disconnect() };
  }
  if (!/^wss?:\/\//.test(url)) throw new Error(`CHAIN_RPC "${url}" is not a ws://, wss://, http:// or https:// URL; set it to the node's JSON-RPC endpoint, e.g. ws://127.0.0.1:9944.`);
  const provider = new WsProvider(url, false);
  await withDeadline(provider.connect().then(() => provider.isReady), timeoutMs, `the chain at ${url} did not answer within ${timeoutMs / 1000} s; check that the node runs and CHAIN_RPC points at it`);
  return { call: (method, params = []) => provider.send(method, params), close: () => provider.disconnect() };
}
