// A key given with --suri is readable by every local user in /proc/PID/cmdline (`ps aux`) while
// the command runs. Once started, `hcr` rewrites its process title so the list shows *** instead.
// The real binary against a chain address that accepts the connection and never answers, so the
// command is still running (waiting for the chain) when its process list entry is read.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { mnemonicGenerate } from '@polkadot/util-crypto';
import { argsWithoutSecrets } from '../../src/cli/hide-secrets';
import { BIN, ROOT } from './helpers/run-hcr';

const CONNECT_WAIT_MS = 60_000;

describe('secrets on the command line', { skip: process.platform === 'linux' ? false : 'reads /proc/PID/cmdline, which only Linux has' }, () => {
  let silent: Server;
  let port: number;
  const sockets: Socket[] = [];
  let connected: (() => void) | undefined;

  before(async () => {
    // A "chain" that takes the connection and says nothing.
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
  });

  test('hcr space create --suri MNEMONIC: the mnemonic is not in the process list while it runs', { timeout: 120_000 }, async () => {
    const mnemonic = mnemonicGenerate();
    const reached = new Promise<void>((resolve, reject) => {
      connected = resolve;
      setTimeout(() => reject(new Error(`hcr did not connect to the chain within ${CONNECT_WAIT_MS / 1000} s`)), CONNECT_WAIT_MS).unref();
    });
    const env = { ...process.env };
    for (const name of ['HCR_SURI', 'HCR_CONFIG', 'CHAIN_RPC']) delete env[name];
    const child = spawn(process.execPath, [BIN, 'space', 'create', 'secret-test', '--suri', mnemonic, '--chain', `ws://127.0.0.1:${port}`], { cwd: ROOT, env, stdio: 'ignore' });
    try {
      // The connection comes after the arguments were parsed: main.ts has run by now.
      await reached;
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').replace(/\0+/g, ' ').trim();
      assert.ok(!cmdline.includes(mnemonic), `the mnemonic is in the process list: ${cmdline}`);
      assert.match(cmdline, /^hcr space create secret-test --suri \*\*\* --chain ws:\/\/127\.0\.0\.1:\d+/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('only the values of --suri and --token are hidden, in both spellings', () => {
    assert.deepEqual(argsWithoutSecrets(['login', 'reg:5000', '--suri', '//Alice', '--ttl', '1h']), ['login', 'reg:5000', '--suri', '***', '--ttl', '1h']);
    assert.deepEqual(argsWithoutSecrets(['artifact', 'ls', '--token=hcrt_abc', '--json']), ['artifact', 'ls', '--token=***', '--json']);
    assert.deepEqual(argsWithoutSecrets(['space', 'ls']), ['space', 'ls']);
  });
});
