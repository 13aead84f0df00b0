// Connecting to a chain: check the endpoint answers (a plain probe, so an unreachable node
// gives one clear message instead of polkadot.js reconnect logs), build the ApiPromise with a
// deadline, retry with backoff, and refuse chains without the ContainerRegistry pallet or, when
// the caller pins one, with another genesis hash. Every later WebSocket connection is checked to
// serve the same chain (genesis-checked-provider.ts).
import { setTimeout as delay } from 'node:timers/promises';
import { ApiPromise, HttpProvider } from '@polkadot/api';
import { WebSocket } from 'ws';
import { ChainConnectionError, type ChainConnectionProblem } from './chain-connection-error';
import { type ChainNotice, GenesisCheckedWsProvider } from './genesis-checked-provider';
import { withDeadline } from '../limits/deadline';

export interface ConnectOptions {
  /** Further attempts after the first; default 4. */
  readonly retries?: number;
  /** Delay before the first retry, doubled each time (at most 8 s); default 500 ms. */
  readonly retryDelayMs?: number;
  /** Deadline for each attempt; default 10 s. */
  readonly timeoutMs?: number;
  /** chain.genesisHash: refuse a node that serves another chain (0x and 64 hex digits). */
  readonly genesisHash?: string;
  /** Told when a later connection is refused for serving another chain, and when the chain is back. */
  readonly onChainChange?: ChainNotice;
}

export { type ChainConnectionProblem, ChainConnectionError } from './chain-connection-error';

/** The providers of WebSocket connections, for chainMismatch. */
const checkedProviders = new WeakMap<ApiPromise, GenesisCheckedWsProvider>();

/**
 * Why `api`'s calls are refused right now: the node behind its URL serves another chain than at
 * the first connection (genesis-checked-provider.ts); undefined otherwise.
 */
export function chainMismatch(api: ApiPromise): ChainConnectionError | undefined {
  return checkedProviders.get(api)?.mismatch;
}

/**
 * Throws unless `api` can be used now: the node behind its URL serving another chain is named as
 * such (chainMismatch) before a connection that is down, which `down` words for the caller.
 */
export function assertChainUsable(api: ApiPromise, down: () => Error): void {
  const mismatch = chainMismatch(api);
  if (mismatch) throw mismatch;
  if (!api.isConnected) throw down();
}

const MAX_RETRY_DELAY_MS = 8_000;

export async function connectChain(url: string, options: ConnectOptions = {}): Promise<ApiPromise> {
  const { retries = 4, retryDelayMs = 500, timeoutMs = 10_000, genesisHash, onChainChange } = options;
  const protocol = protocolOf(url);
  let lastProblem: { problem: ChainConnectionProblem; reason: string } | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await delay(Math.min(retryDelayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS));
    const probeFailure = protocol === 'ws' ? await probeWebSocket(url, timeoutMs) : await probeHttp(url, timeoutMs);
    if (probeFailure) {
      lastProblem = { problem: 'unreachable', reason: probeFailure };
      continue;
    }
    // Over WebSocket, every later connection polkadot.js makes on its own is checked to serve the
    // chain this first one serves (and so the pinned one). An HTTP endpoint is asked afresh per
    // call, which no check per connection can follow: use a WebSocket URL where that matters.
    const provider = protocol === 'ws' ? new GenesisCheckedWsProvider(url, { notice: onChainChange }) : new HttpProvider(url);
    const api = new ApiPromise({ provider, throwOnConnect: true, noInitWarn: true });
    if (provider instanceof GenesisCheckedWsProvider) checkedProviders.set(api, provider);
    try {
      await withDeadline(api.isReadyOrError, timeoutMs, 'no answer to the initial RPC calls');
    } catch (error) {
      await api.disconnect().catch(() => undefined);
      lastProblem = { problem: 'not-a-chain', reason: String((error as Error)?.message ?? error) };
      continue;
    }
    // Checked before anything is read or signed, and never retried: another chain stays another chain.
    try {
      if (genesisHash) assertGenesisHash(api, url, genesisHash);
      assertRegistryPallet(api, url);
    } catch (error) {
      await api.disconnect().catch(() => undefined);
      throw error;
    }
    return api;
  }
  const attempts = `${retries + 1} attempt${retries === 0 ? '' : 's'}`;
  if (lastProblem?.problem === 'not-a-chain') {
    throw new ChainConnectionError(url, 'not-a-chain', `${url} answered but did not behave as a Substrate node after ${attempts} (${lastProblem.reason}): set CHAIN_RPC to the WebSocket URL of a Hippius node or of \`hcr devnet\``);
  }
  throw new ChainConnectionError(
    url,
    'unreachable',
    `cannot reach the chain at ${url} after ${attempts} (${lastProblem?.reason ?? 'no answer'}): is \`hcr devnet\` running? Start it, or set CHAIN_RPC to a Hippius node's WebSocket URL`,
  );
}

/** Throws unless the connected runtime has the ContainerRegistry pallet. */
export function assertRegistryPallet(api: ApiPromise, url: string): void {
  if (api.tx.containerRegistry && api.query.containerRegistry) return;
  const runtime = `${api.runtimeVersion.specName.toString()} spec ${api.runtimeVersion.specVersion.toString()}`;
  throw new ChainConnectionError(
    url,
    'no-registry',
    `the chain at ${url} (${runtime}) has no ContainerRegistry pallet (it left Hippius mainnet at spec 9176): run \`hcr devnet\`, or set CHAIN_RPC to a Hippius-based node that still runs the pallet`,
  );
}

/** Throws unless the connected chain's genesis hash is the pinned one (chain.genesisHash). */
function assertGenesisHash(api: ApiPromise, url: string, pinned: string): void {
  const served = api.genesisHash.toHex();
  if (served === pinned.trim().toLowerCase()) return;
  throw new ChainConnectionError(
    url,
    'wrong-chain',
    `the chain at ${url} is another chain than the one pinned: its genesis hash is ${served}, not ${pinned} (chain.genesisHash, --genesis-hash, CHAIN_GENESIS_HASH): point chain.rpc (--chain, CHAIN_RPC) at a node of the pinned chain, or change or remove chain.genesisHash if the chain was meant to change`,
  );
}

function protocolOf(url: string): 'ws' | 'http' {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol === 'ws:' || parsed?.protocol === 'wss:') return 'ws';
  if (parsed?.protocol === 'http:' || parsed?.protocol === 'https:') return 'http';
  throw new ChainConnectionError(String(url), 'bad-url', `${JSON.stringify(url)} is not a chain RPC URL: use ws://host:port or wss://host, for example ws://127.0.0.1:9944`);
}

/** Resolves with why the WebSocket handshake failed, or undefined once it opens. */
function probeWebSocket(url: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
    const settle = (reason: string | undefined) => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      resolve(reason);
    };
    socket.once('open', () => settle(undefined));
    socket.once('unexpected-response', (_request, response) => settle(`HTTP ${response.statusCode} instead of a WebSocket`));
    socket.once('error', (error) => settle(error.message || String(error)));
  });
}

async function probeHttp(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_health', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.ok ? undefined : `HTTP ${response.status}`;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    return cause ?? (error as Error).message;
  }
}
