// The RPC endpoint's limits can come from the configuration file (devnet.rpcMax…) as well as
// from `hcr devnet`'s flags, and a flag given on the command line wins over the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { collect, expectExit, spawnHcr, stopChild, waitForOutput } from '../cli/helpers/run-hcr';

const hcrEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.HCR_CONFIG;
  delete env.HCR_DATA_DIR;
  return env;
};

/** Opens `count` connections at once and says how many opened (the rest answered 503). */
async function openConnections(url: string, count: number): Promise<number> {
  const sockets = Array.from({ length: count }, () => new WebSocket(url));
  const outcomes = await Promise.all(
    sockets.map((ws) => new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(false);
      });
      ws.once('error', () => resolve(false));
    })),
  );
  for (const ws of sockets) ws.terminate();
  return outcomes.filter(Boolean).length;
}

async function servedConnections(args: string[], config: string): Promise<number> {
  const child = spawnHcr(['devnet', '--port', '0', '--ephemeral', '--manual-seal', '--config', config, ...args], hcrEnv());
  try {
    const output = await waitForOutput(child, /chain RPC: ws:\/\/\S+/);
    return await openConnections(/chain RPC: (ws:\/\/\S+)/.exec(output)![1], 4);
  } finally {
    await stopChild(child);
  }
}

test('devnet.rpcMaxConnections in the configuration file bounds the endpoint, and --rpc-max-connections wins over it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hcr-rpc-config-'));
  try {
    const config = join(dir, 'hcr.yaml');
    writeFileSync(config, 'devnet:\n  rpcMaxConnections: 2\n');
    assert.equal(await servedConnections([], config), 2);
    assert.equal(await servedConnections(['--rpc-max-connections', '3'], config), 3);

    writeFileSync(config, 'devnet:\n  rpcMaxRequestSize: lots\n');
    const check = await collect(spawnHcr(['config', 'check', config], hcrEnv()), 'config check');
    expectExit(check, 2);
    assert.match(check.stdout + check.stderr, /devnet\.rpcMaxRequestSize/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
