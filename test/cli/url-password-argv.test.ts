// A URL given on the command line may carry a password (`--graphql http://reader:PASSWORD@…`,
// `--peer`, `--chain wss://API_KEY@rpc…`), readable by every local user in /proc/PID/cmdline for
// as long as `hcr gateway` runs, which is days. Once started, `hcr` shows it starred out there,
// as its logs do. The real binary against a chain address that accepts the connection and never
// answers, so the gateway is still starting when its process list entry is read.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { argsWithoutSecrets } from '../../src/cli/hide-secrets';
import { BIN, ROOT } from './helpers/run-hcr';

const CONNECT_WAIT_MS = 60_000;

describe('URL passwords on the command line', { skip: process.platform === 'linux' ? false : 'reads /proc/PID/cmdline, which only Linux has' }, () => {
  let silent: Server;
  let port: number;
  let dir: string;
  const sockets: Socket[] = [];
  let connected: (() => void) | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-url-argv-'));
    silent = createServer((socket) => {
      sockets.push(socket);
      connected?.();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test('hcr gateway --graphql and --peer with passwords: the passwords are not in the process list while it runs', { timeout: 120_000 }, async () => {
    const reached = new Promise<void>((resolve, reject) => {
      connected = resolve;
      setTimeout(() => reject(new Error(`hcr did not connect to the chain within ${CONNECT_WAIT_MS / 1000} s`)), CONNECT_WAIT_MS).unref();
    });
    const env = { ...process.env };
    for (const name of ['HCR_CONFIG', 'CHAIN_RPC', 'GRAPHQL_URL', 'GATEWAY_PEERS', 'GATEWAY_SURI', 'IPFS_API']) delete env[name];
    const args = ['gateway', '--chain', `ws://127.0.0.1:${port}`, '--graphql', 'http://reader:hunter2-gql@127.0.0.1:1/graphql', '--peer', 'http://mirror:hunter2-peer@127.0.0.1:2', '--port', '0', '--grpc-port', 'off', '--data-dir', dir];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: 'ignore' });
    try {
      await reached;
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').replace(/\0+/g, ' ').trim();
      assert.doesNotMatch(cmdline, /hunter2/, `a password is in the process list: ${cmdline}`);
      assert.match(cmdline, /--graphql http:\/\/reader:\*\*\*@127\.0\.0\.1:1\/graphql --peer http:\/\/mirror:\*\*\*@127\.0\.0\.1:2 /);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a URL\'s password is starred out in any argument; other arguments stay', () => {
    assert.deepEqual(argsWithoutSecrets(['gateway', '--peer=https://u:pw@a.example:5000', '--chain', 'wss://APIKEY@rpc.example']), ['gateway', '--peer=https://u:***@a.example:5000', '--chain', 'wss://***@rpc.example']);
    assert.deepEqual(argsWithoutSecrets(['gateway', '--chain', 'ws://127.0.0.1:9944']), ['gateway', '--chain', 'ws://127.0.0.1:9944']);
  });
});
