// The bound on one client's listings and searches is set in the configuration file
// (gateway.limits.listings.perIp and .concurrentPerIp): `hcr config check` knows both and names a
// bad value with its fix, and `hcr gateway --config` applies them to the HTTP doors and to the gRPC
// plugin door alike.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { freePorts } from '../../src/indexer/free-port';
import { collect, expectExit, spawnHcr, stopChild, waitForOutput } from '../cli/helpers/run-hcr';
import { type HeldIndex, startHeldIndex } from './helpers/held-index';
import { pluginRegistryClient } from './helpers/plugin-client';

describe('gateway.limits.listings in the configuration file', () => {
  let dir: string;
  let index: HeldIndex | undefined;
  const started: ChildProcess[] = [];
  const env = (): NodeJS.ProcessEnv => {
    const clean = { ...process.env };
    for (const name of ['HCR_CONFIG', 'CHAIN_RPC', 'GRAPHQL_URL', 'IPFS_API', 'GATEWAY_SURI', 'GATEWAY_TRUST_PROXY', 'GATEWAY_GRPC_PORT', 'GATEWAY_DEFAULT_SPACE', 'HCR_DATA_DIR']) delete clean[name];
    return { ...clean, HCR_DATA_DIR: join(dir, 'data') };
  };
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-listing-limits-'));
  });
  after(async () => {
    for (const child of started) await stopChild(child);
    await index?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('hcr config check lists both settings and names a bad value with its fix', async () => {
    const good = await collect(spawnHcr(['config', 'check', file('good.yaml', 'gateway:\n  limits:\n    listings: { perIp: { perMinute: 600, burst: 120 }, concurrentPerIp: 8 }\n')], env()), 'config check');
    expectExit(good, 0);
    assert.match(good.stdout, /gateway\.limits\.listings\.perIp = \{"perMinute":600,"burst":120\}/);
    assert.match(good.stdout, /gateway\.limits\.listings\.concurrentPerIp = 8/);
    const negative = await collect(spawnHcr(['config', 'check', file('negative.yaml', 'gateway:\n  limits:\n    listings: { concurrentPerIp: -1 }\n')], env()), 'config check');
    expectExit(negative, 2);
    assert.match(negative.stderr, /gateway\.limits\.listings\.concurrentPerIp must be a whole number . 0, got -1: for example concurrentPerIp: 4/);
    const misspelt = await collect(spawnHcr(['config', 'check', file('misspelt.yaml', 'gateway:\n  limits:\n    listings: { perIp: { perMinute: 600, brust: 120 } }\n')], env()), 'config check');
    expectExit(misspelt, 2);
    assert.match(misspelt.stderr, /gateway\.limits\.listings\.perIp\.brust is not a setting: a rate limit has perMinute and burst/);
    assert.doesNotMatch(`${negative.stderr}${misspelt.stderr}`, /\n\s+at /, 'a stack trace');
  });

  test('hcr gateway --config holds one client to concurrentPerIp listings at once, over HTTP and gRPC', async () => {
    index = await startHeldIndex();
    const [chainPort, gatewayPort] = await freePorts(2);
    const devnet = spawnHcr(['devnet', '--ephemeral', '--port', String(chainPort)], env());
    started.push(devnet);
    await waitForOutput(devnet, /chain RPC: ws:/);
    const config = file('gateway.yaml', 'gateway:\n  defaultSpace: acme\n  limits:\n    listings: { concurrentPerIp: 1 }\n');
    const gateway = spawnHcr(['--config', config, 'gateway', '--chain', `ws://127.0.0.1:${chainPort}`, '--port', String(gatewayPort), '--graphql', index.url, '--grpc-port', '0', '--data-dir', join(dir, 'gateway')], env());
    started.push(gateway);
    const output = await waitForOutput(gateway, /plugins: 127\.0\.0\.1:\d+ \(gRPC/);
    const grpcAddress = /plugins: (127\.0\.0\.1:\d+) \(gRPC/.exec(output)![1];
    const url = `http://127.0.0.1:${gatewayPort}`;

    const held = fetch(`${url}/firmware`);
    await index.waitForPending(1);
    const search = await fetch(`${url}/api/search?q=sensor`);
    assert.equal(search.status, 429);
    assert.equal(search.headers.get('retry-after'), '1');
    const setting = /already has 1 listings or searches in progress, the most one client may have at once: .*gateway\.limits\.listings\.concurrentPerIp in the configuration file raises it/;
    assert.match(((await search.json()) as { error: { message: string } }).error.message, setting);
    const client = pluginRegistryClient<grpc.Client & Record<string, (request: unknown, callback: (error: grpc.ServiceError | null) => void) => void>>(grpcAddress);
    try {
      const refused = await new Promise<grpc.ServiceError | null>((resolve) => client.DiscoverPlugins({}, resolve));
      assert.equal(refused?.code, grpc.status.RESOURCE_EXHAUSTED, refused?.details);
      assert.match(refused.details, setting);
      assert.equal(refused.metadata.get('retry-after')[0], '1');
    } finally {
      client.close();
    }
    index.release();
    assert.equal((await held).status, 200);
  });
});
