import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import { WebSocketServer } from 'ws';
import { startDevnet } from '../../src/devnet/node';
import { assertRegistryPallet, ChainConnectionError, connectChain } from '../../src/chain';

const FAST = { retries: 2, retryDelayMs: 20, timeoutMs: 1_000 };

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function freePort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function connectionError(url: string, options: Parameters<typeof connectChain>[1]): Promise<{ error: ChainConnectionError; ms: number }> {
  const started = Date.now();
  try {
    const api = await connectChain(url, options);
    await api.disconnect();
  } catch (error) {
    assert.ok(error instanceof ChainConnectionError, `expected a ChainConnectionError, got ${String(error)}`);
    assert.doesNotMatch(error.message, /\n\s+at /, 'the message carries no stack trace');
    return { error, ms: Date.now() - started };
  }
  assert.fail(`connecting to ${url} should have failed`);
}

test('a closed port fails fast with a message naming the URL and the fix', async () => {
  const url = `ws://127.0.0.1:${await freePort()}`;
  const { error, ms } = await connectionError(url, FAST);
  assert.equal(error.problem, 'unreachable');
  assert.equal(error.url, url);
  assert.equal(
    error.message,
    `cannot reach the chain at ${url} after 3 attempts (connect ECONNREFUSED ${url.slice('ws://'.length)}): is \`hcr devnet\` running? Start it, or set CHAIN_RPC to a Hippius node's WebSocket URL`,
  );
  assert.ok(ms < 2_000, `took ${ms} ms`);
});

test('a server that accepts but never answers times out per attempt instead of hanging', async () => {
  const sockets = new Set<Socket>();
  const silent = createTcpServer((socket) => sockets.add(socket));
  const url = `ws://127.0.0.1:${await listen(silent)}`;
  try {
    const { error, ms } = await connectionError(url, { retries: 1, retryDelayMs: 10, timeoutMs: 200 });
    assert.equal(error.problem, 'unreachable');
    assert.match(error.message, /^cannot reach the chain at ws:\/\/127\.0\.0\.1:\d+ after 2 attempts \(Opening handshake has timed out\): is `hcr devnet` running\?/);
    assert.ok(ms < 2_000, `took ${ms} ms`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('a web server that is not a node is named as such', async () => {
  const web = createHttpServer((_request, response) => response.writeHead(404).end('not here'));
  const url = `ws://127.0.0.1:${await listen(web)}`;
  try {
    const { error } = await connectionError(url, { retries: 0, timeoutMs: 1_000 });
    assert.match(error.message, /^cannot reach the chain at .+ after 1 attempt \(HTTP 404 instead of a WebSocket\)/);
  } finally {
    web.closeAllConnections();
    await new Promise((resolve) => web.close(resolve));
  }
});

test('a WebSocket that never answers JSON-RPC is reported as not a Substrate node', async () => {
  const mute = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => mute.once('listening', resolve));
  const url = `ws://127.0.0.1:${(mute.address() as { port: number }).port}`;
  try {
    const { error, ms } = await connectionError(url, { retries: 0, timeoutMs: 300 });
    assert.equal(error.problem, 'not-a-chain');
    assert.match(error.message, /^ws:\/\/127\.0\.0\.1:\d+ answered but did not behave as a Substrate node after 1 attempt \(no answer to the initial RPC calls\): set CHAIN_RPC/);
    assert.ok(ms < 2_000, `took ${ms} ms`);
  } finally {
    for (const client of mute.clients) client.terminate();
    await new Promise((resolve) => mute.close(resolve));
  }
});

test('a URL that is not ws(s) or http(s) is refused at once', async () => {
  // Retries 2 s apart: one retry would take longer than the bound below, a GC pause would not.
  const { error, ms } = await connectionError('127.0.0.1:9944', { ...FAST, retryDelayMs: 2_000 });
  assert.equal(error.problem, 'bad-url');
  assert.equal(error.message, '"127.0.0.1:9944" is not a chain RPC URL: use ws://host:port or wss://host, for example ws://127.0.0.1:9944');
  assert.ok(ms < 1_000, `refused after ${ms} ms`);
});

test('retries reach a chain that starts late, over WebSocket and over HTTP', async () => {
  const port = await freePort();
  const starting = new Promise<Awaited<ReturnType<typeof startDevnet>>>((resolve, reject) => {
    setTimeout(() => startDevnet({ port }).then(resolve, reject), 300);
  });
  const api = await connectChain(`ws://127.0.0.1:${port}`, { retries: 6, retryDelayMs: 100, timeoutMs: 2_000 });
  const devnet = await starting;
  try {
    assert.equal(api.isConnected, true);
    assert.equal(api.genesisHash.toHex(), devnet.chain.genesisHash);
    const overHttp = await connectChain(devnet.httpUrl, { retries: 0 });
    try {
      assert.equal(overHttp.hasSubscriptions, false);
      assert.equal((await overHttp.rpc.system.chain()).toString(), (await api.rpc.system.chain()).toString());
    } finally {
      await overHttp.disconnect();
    }
  } finally {
    await api.disconnect();
    await devnet.close();
  }
});

test('a chain without the ContainerRegistry pallet is refused with what to run instead', () => {
  const withoutPallet = { tx: {}, query: {}, runtimeVersion: { specName: 'polkadot', specVersion: 1_003_000 } } as unknown as ApiPromise;
  assert.throws(
    () => assertRegistryPallet(withoutPallet, 'wss://rpc.example'),
    (error: unknown) =>
      error instanceof ChainConnectionError &&
      error.problem === 'no-registry' &&
      error.message === 'the chain at wss://rpc.example (polkadot spec 1003000) has no ContainerRegistry pallet (it left Hippius mainnet at spec 9176): run `hcr devnet`, or set CHAIN_RPC to a Hippius-based node that still runs the pallet',
  );
});
