// The doors' settings on `hcr gateway`: the default space, the plugin registry's gRPC port and the
// plugin dir from the configuration file (flags and environment variables win over it), and the
// default gRPC port given up on with a warning, never the gateway, when another gateway holds it.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { freePorts } from '../../src/indexer/free-port';
import { collect, expectExit, spawnHcr } from '../cli/helpers/run-hcr';
import { pluginRegistryClient } from './helpers/plugin-client';

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    const look = (chunk: Buffer) => {
      output += chunk;
      if (!pattern.test(output)) return;
      clearTimeout(timer);
      resolve(output);
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.once('exit', (code) => reject(new Error(`it exited (${code}) before ${pattern}:\n${output}`)));
  });
}

describe('the doors\' settings on hcr gateway', () => {
  let dir: string;
  const started: ChildProcess[] = [];
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const clean = { ...process.env };
    for (const name of ['GATEWAY_DEFAULT_SPACE', 'GATEWAY_GRPC_PORT', 'GATEWAY_PLUGIN_DIR', 'GATEWAY_SURI', 'HCR_CONFIG', 'CHAIN_RPC', 'GRAPHQL_URL', 'IPFS_API']) delete clean[name];
    return { ...clean, HCR_DATA_DIR: join(dir, 'data'), ...extra };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-door-settings-'));
  });
  after(() => {
    for (const child of started) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('hcr config check knows the settings and names a mistyped one', async () => {
    writeFileSync(join(dir, 'good.yaml'), 'gateway:\n  defaultSpace: acme\n  grpcPort: 50052\n  pluginDir: /srv/plugins\n');
    const good = await collect(spawnHcr(['config', 'check', join(dir, 'good.yaml')], env()), 'config check');
    expectExit(good, 0);
    assert.match(good.stdout, /gateway\.defaultSpace = "acme" {3}\(overridden by --default-space, GATEWAY_DEFAULT_SPACE\)/);
    assert.match(good.stdout, /gateway\.grpcPort = 50052/);
    writeFileSync(join(dir, 'bad.yaml'), 'gateway:\n  defaultSpce: acme\n');
    const bad = await collect(spawnHcr(['config', 'check', join(dir, 'bad.yaml')], env()), 'config check');
    expectExit(bad, 2);
    assert.match(bad.stderr, /gateway\.defaultSpce is not a setting: did you mean gateway\.defaultSpace\?/);
  });

  test('the file sets the default space and the gRPC port; a second gateway on the default port warns and serves HTTP', async () => {
    const [chainPort, first, second, grpcPort, secondPort, fourth] = await freePorts(6);
    const devnet = spawnHcr(['devnet', '--ephemeral', '--port', String(chainPort)], env());
    started.push(devnet);
    await waitForOutput(devnet, /chain RPC: ws:/);
    const chain = `ws://127.0.0.1:${chainPort}`;
    writeFileSync(join(dir, 'doors.yaml'), `gateway:\n  defaultSpace: acme\n  grpcPort: ${grpcPort}\n`);
    const configured = spawnHcr(['--config', join(dir, 'doors.yaml'), 'gateway', '--chain', chain, '--port', String(first), '--data-dir', join(dir, 'one')], env());
    started.push(configured);
    await waitForOutput(configured, new RegExp(`plugins: 127\\.0\\.0\\.1:${grpcPort} \\(gRPC pb\\.PluginRegistry`));
    const health = (await (await fetch(`http://127.0.0.1:${first}/health`)).json()) as { status: string; default_space: string; read_only: boolean };
    assert.deepEqual([health.status, health.default_space, health.read_only], ['healthy', 'acme', true]);
    const client = pluginRegistryClient<any>(`127.0.0.1:${grpcPort}`);
    const refused = await new Promise<grpc.ServiceError>((resolve) => client.RegisterPlugin({ name: 'p', version: '1.0.0', plugin: 'data:;base64,AA==' }, new grpc.Metadata(), (error: grpc.ServiceError) => resolve(error)));
    client.close();
    assert.equal(refused.code, grpc.status.UNAUTHENTICATED, refused.details);

    // Two gateways without --grpc-port: whichever comes second cannot have 50051 and says so.
    const a = spawnHcr(['gateway', '--chain', chain, '--port', String(second), '--data-dir', join(dir, 'two')], env());
    started.push(a);
    const out = await waitForOutput(a, /gateway: http:\/\/127\.0\.0\.1:\d+/);
    const b = spawnHcr(['gateway', '--chain', chain, '--port', String(secondPort), '--data-dir', join(dir, 'three')], env());
    started.push(b);
    const bOut = await waitForOutput(b, /gateway: http:\/\/127\.0\.0\.1:\d+/);
    const warned = /plugin registry's gRPC port 50051 is taken/.test(out) || /plugin registry's gRPC port 50051 is taken/.test(bOut);
    assert.ok(warned, `one of the two said the default gRPC port was taken:\n${out}\n${bOut}`);
    assert.equal((await fetch(`http://127.0.0.1:${secondPort}/health`)).status, 200);
    // A port asked for explicitly must be had.
    const c = spawnHcr(['gateway', '--chain', chain, '--port', String(fourth), '--grpc-port', String(grpcPort), '--data-dir', join(dir, 'four')], env());
    const failed = await collect(c, 'gateway');
    expectExit(failed, 1);
    assert.match(failed.stderr, new RegExp(`gRPC port ${grpcPort} is in use by another process: pass --grpc-port with another port`));
  });
});
