// The dev chain's unsafe methods (dev_newBlock and dev_setHead, which build forks and reorg the
// unfinalized chain, and those a Substrate node counts as unsafe) follow a node's --rpc-methods:
// `auto` serves them only on a loopback listen address, `safe` nowhere, `unsafe` everywhere. A
// refusal is the node's -32601 "RPC call is unsafe to be called externally", with the fix in
// `data`; over real sockets (HTTP, WebSocket, batches, polkadot.js), through startDevnet and
// through `hcr devnet`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WsProvider } from '@polkadot/api';
import { WebSocket } from 'ws';
import { startDevnet, type Devnet, type DevnetOptions } from '../../src/devnet/node';
import { collect, expectExit, spawnHcr, stopChild, waitForOutput } from '../cli/helpers/run-hcr';

const UNSAFE_MESSAGE = 'RPC call is unsafe to be called externally';
/** System.Account's prefix: keys every dev chain holds. */
const ACCOUNTS = '0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9';

/** The machine's own address that is not loopback, if it has one. */
function externalIPv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return undefined;
}
const EXTERNAL = externalIPv4();
const NEEDS_EXTERNAL = { skip: EXTERNAL === undefined ? 'this machine has no non-loopback IPv4 address to listen on' : false };

const request = (id: number, method: string, params: unknown[] = []) => ({ jsonrpc: '2.0', id, method, params });

async function overHttp(url: string, body: unknown): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 200);
  return response.json();
}

async function overWs(url: string, body: unknown): Promise<any> {
  const ws = new WebSocket(url);
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    ws.send(JSON.stringify(body));
    return JSON.parse(await reply);
  } finally {
    ws.close();
  }
}

const TRANSPORTS = [
  { name: 'HTTP', send: overHttp, url: (http: string) => http },
  { name: 'WebSocket', send: overWs, url: (http: string) => http.replace(/^http/, 'ws') },
];

function assertRefused(reply: any, method: string, fix: RegExp): void {
  assert.ok(!('result' in reply), `${method} was served: ${JSON.stringify(reply)}`);
  assert.equal(reply.error.code, -32601, JSON.stringify(reply));
  assert.equal(reply.error.message, UNSAFE_MESSAGE);
  assert.match(reply.error.data, new RegExp(`^${method} is unsafe and `));
  assert.match(reply.error.data, fix);
}

function assertServed(reply: any, method: string): any {
  assert.ok(!('error' in reply), `${method} was refused: ${JSON.stringify(reply)}`);
  return reply.result;
}

/** dev_newBlock and dev_setHead, alone and in a batch, over both transports: all refused, the chain unmoved. */
async function assertControlsRefused(devnet: Devnet, httpUrl: string, fix: RegExp): Promise<void> {
  const best = devnet.chain.tree.best.hash;
  for (const transport of TRANSPORTS) {
    const url = transport.url(httpUrl);
    assertRefused(await transport.send(url, request(1, 'dev_newBlock', [{ count: 2 }])), 'dev_newBlock', fix);
    assertRefused(await transport.send(url, request(2, 'dev_newBlock', [{ parent: 0 }])), 'dev_newBlock', fix);
    assertRefused(await transport.send(url, request(3, 'dev_setHead', [0])), 'dev_setHead', fix);
    const batch = await transport.send(url, [request(4, 'chain_getBlockHash', [0]), request(5, 'dev_newBlock', [{}]), request(6, 'dev_setHead', [0])]);
    assert.equal(batch.length, 3, `${transport.name} batch: ${JSON.stringify(batch)}`);
    const byId = new Map(batch.map((reply: any) => [reply.id, reply]));
    assert.equal(assertServed(byId.get(4), 'chain_getBlockHash'), devnet.chain.genesisHash, 'the batch\'s safe call is still answered');
    assertRefused(byId.get(5), 'dev_newBlock', fix);
    assertRefused(byId.get(6), 'dev_setHead', fix);
  }
  assert.equal(devnet.chain.tree.best.hash, best, 'a refused call moved the chain');
}

const withDevnet = async (options: DevnetOptions, body: (devnet: Devnet) => Promise<void>): Promise<void> => {
  const devnet = await startDevnet({ port: 0, manualSeal: true, finalityLag: 5, ...options });
  try {
    await body(devnet);
  } finally {
    await devnet.close();
  }
};

const hcrEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.HCR_CONFIG;
  delete env.HCR_DATA_DIR;
  return env;
};

/** Runs `hcr devnet` with `args`, hands its HTTP URL to `body`, then stops it; resolves with all it printed. */
async function withHcrDevnet(args: string[], body: (httpUrl: string) => Promise<void>): Promise<string> {
  const child = spawnHcr(['devnet', '--port', '0', '--ephemeral', '--manual-seal', ...args], hcrEnv());
  try {
    const output = await waitForOutput(child, /chain RPC: ws:\/\/\S+ \(HTTP (http:\/\/\S+)\)/);
    await body(/chain RPC: ws:\/\/\S+ \(HTTP (http:\/\/\S+)\)/.exec(output)![1]);
    return await waitForOutput(child, /chain RPC/);
  } finally {
    await stopChild(child);
  }
}

test('auto on a non-loopback address refuses dev_newBlock, dev_setHead and the node\'s other unsafe methods over HTTP and WebSocket, in batches too', NEEDS_EXTERNAL, async () => {
  const fix = /listens on \S+, which other machines reach: restart it with --host 127\.0\.0\.1, or with --rpc-methods unsafe/;
  await withDevnet({ host: EXTERNAL }, async (devnet) => {
    const url = `http://${EXTERNAL}:${devnet.server.port}`;
    await assertControlsRefused(devnet, url, fix);
    assert.equal(devnet.server.unsafeAllowed, false);

    // A node's other unsafe methods; their safe neighbours are still served.
    assertRefused(await overHttp(url, request(1, 'state_getPairs', [ACCOUNTS])), 'state_getPairs', fix);
    assertRefused(await overHttp(url, request(2, 'state_queryStorage', [[ACCOUNTS], devnet.chain.genesisHash])), 'state_queryStorage', fix);
    assertRefused(await overHttp(url, request(3, 'system_peers')), 'system_peers', fix);
    assertRefused(await overWs(url.replace('http', 'ws'), request(4, 'state_subscribeStorage', [])), 'state_subscribeStorage without keys', fix);
    assert.match(assertServed(await overWs(url.replace('http', 'ws'), request(5, 'state_subscribeStorage', [[ACCOUNTS]])), 'state_subscribeStorage'), /^[0-9a-f]+$/);
    assert.ok(Array.isArray(assertServed(await overHttp(url, request(6, 'state_getKeysPaged', [ACCOUNTS, 10])), 'state_getKeysPaged')));

    // What a polkadot.js client sees: the node's code and text, then what to do.
    const provider = new WsProvider(url.replace('http', 'ws'), false);
    await provider.connect();
    try {
      await provider.isReady;
      await assert.rejects(provider.send('dev_newBlock', [{}]), (error: Error) => /^-32601: RPC call is unsafe to be called externally: dev_newBlock is unsafe and the dev chain listens on [\d.]+, which other machines reach: restart it with --host 127\.0\.0\.1, or with --rpc-methods unsafe to let anyone who reaches it call it$/.test(error.message));
      // As on a node, rpc_methods still lists what exists; the refusal is per endpoint.
      const { methods } = await provider.send<{ methods: string[] }>('rpc_methods', []);
      for (const method of ['dev_newBlock', 'dev_setHead', 'state_getPairs']) assert.ok(methods.includes(method), `${method} missing from rpc_methods`);
    } finally {
      await provider.disconnect();
    }
  });

  // 0.0.0.0 reaches other machines even for a client on 127.0.0.1: the bound address decides, as on a node.
  await withDevnet({ host: '0.0.0.0' }, async (devnet) => {
    for (const address of [EXTERNAL!, '127.0.0.1']) await assertControlsRefused(devnet, `http://${address}:${devnet.server.port}`, /listens on 0\.0\.0\.0/);
  });
});

test('unsafe serves dev_newBlock and dev_setHead on a non-loopback address, through startDevnet and `hcr devnet --rpc-methods unsafe`', NEEDS_EXTERNAL, async () => {
  const output = await withHcrDevnet(['--host', EXTERNAL!, '--rpc-methods', 'unsafe'], async (url) => {
    assert.ok(url.includes(EXTERNAL!), url);
    assert.match(assertServed(await overHttp(url, request(1, 'dev_newBlock', [{}])), 'dev_newBlock'), /^0x[0-9a-f]{64}$/);
  });
  assert.match(output, /warning: unsafe RPC methods \(dev_newBlock, dev_setHead, \.\.\.\) are served to anyone who reaches/);

  await withDevnet({ host: EXTERNAL, rpcMethods: 'unsafe' }, async (devnet) => {
    const url = `http://${EXTERNAL}:${devnet.server.port}`;
    const third = assertServed(await overHttp(url, request(1, 'dev_newBlock', [{ count: 3 }])), 'dev_newBlock');
    assert.equal(devnet.chain.tree.best.number, 3);
    // A fork from #1 becomes best; dev_setHead moves back to the first branch.
    const batch = await overWs(url.replace('http', 'ws'), [request(2, 'dev_newBlock', [{ parent: 1 }]), request(3, 'dev_setHead', [third])]);
    const fork = assertServed(batch.find((r: any) => r.id === 2), 'dev_newBlock');
    assert.equal(devnet.chain.tree.get(fork)?.number, 2);
    assert.equal(assertServed(batch.find((r: any) => r.id === 3), 'dev_setHead'), third);
    assert.equal(devnet.chain.tree.best.hash, third);
    assert.ok(assertServed(await overHttp(url, request(4, 'state_getPairs', [ACCOUNTS])), 'state_getPairs').length > 0);
    assert.equal(devnet.server.unsafeAllowed, true);
  });
});

test('safe refuses dev_newBlock and dev_setHead even on 127.0.0.1, through startDevnet and `hcr devnet --rpc-methods safe`', async () => {
  const fix = /started with --rpc-methods safe: restart it with --rpc-methods unsafe/;
  await withDevnet({ rpcMethods: 'safe' }, async (devnet) => {
    assert.match(devnet.httpUrl, /^http:\/\/127\.0\.0\.1:/);
    await assertControlsRefused(devnet, devnet.httpUrl, fix);
    assertRefused(await overHttp(devnet.httpUrl, request(1, 'state_getPairs', [ACCOUNTS])), 'state_getPairs', fix);
    assert.equal(devnet.server.unsafeAllowed, false);
  });

  const output = await withHcrDevnet(['--rpc-methods', 'safe'], async (url) => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:/);
    assertRefused(await overHttp(url, request(1, 'dev_newBlock', [{}])), 'dev_newBlock', fix);
  });
  assert.match(output, /unsafe RPC methods \(dev_newBlock, dev_setHead, \.\.\.\) are refused \(--rpc-methods safe\); --rpc-methods unsafe serves them/);
});

test('auto (the default) serves dev_newBlock and dev_setHead on a loopback address: 127.0.0.1, localhost, and `hcr devnet --rpc-methods auto`', async () => {
  const output = await withHcrDevnet(['--rpc-methods', 'auto'], async (url) => {
    assert.match(assertServed(await overHttp(url, request(1, 'dev_newBlock', [{}])), 'dev_newBlock'), /^0x[0-9a-f]{64}$/);
  });
  assert.doesNotMatch(output, /unsafe RPC methods/, 'no notice when they are served on loopback');

  for (const host of ['127.0.0.1', 'localhost']) {
    await withDevnet({ host }, async (devnet) => {
      for (const transport of TRANSPORTS) {
        const url = transport.url(devnet.httpUrl);
        const before = devnet.chain.tree.best.number;
        const hash = assertServed(await transport.send(url, request(1, 'dev_newBlock', [{ count: 2 }])), 'dev_newBlock');
        assert.equal(devnet.chain.tree.best.number, before + 2);
        const batch = await transport.send(url, [request(2, 'dev_newBlock', [{ parent: before + 1 }]), request(3, 'dev_setHead', [hash])]);
        assert.equal(assertServed(batch.find((r: any) => r.id === 3), 'dev_setHead'), hash, `${host} over ${transport.name}`);
      }
      assert.equal(devnet.server.unsafeAllowed, true, `${host} (bound to ${devnet.server.address})`);
    });
  }
});

test('a bad --rpc-methods, devnet.rpcMethods or rpcMethods is refused, naming the values it takes', async () => {
  const run = await collect(spawnHcr(['devnet', '--rpc-methods', 'sometimes', '--ephemeral', '--port', '0'], hcrEnv()), 'devnet --rpc-methods sometimes');
  expectExit(run, 2);
  assert.match(run.stderr, /option '--rpc-methods <mode>' argument 'sometimes' is invalid\. Allowed choices are auto, safe, unsafe/);

  const dir = mkdtempSync(join(tmpdir(), 'hcr-unsafe-rpc-'));
  try {
    const file = join(dir, 'hcr.yaml');
    writeFileSync(file, 'devnet:\n  rpcMethods: sometimes\n');
    const check = await collect(spawnHcr(['config', 'check', file], hcrEnv()), 'config check');
    expectExit(check, 2);
    assert.match(check.stdout + check.stderr, /devnet\.rpcMethods must be one of auto, safe, unsafe, got "sometimes"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  await assert.rejects(startDevnet({ port: 0, rpcMethods: 'sometimes' as never }), /rpcMethods is "sometimes": give auto, safe or unsafe/);
});
