// `hcr gateway` and signals: with a TLS certificate, SIGHUP reloads it and the gateway keeps
// serving (without one, SIGHUP stops it as before); SIGTERM stops it in order, exit 0.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCa } from '../gateway/helpers/tls';
import { missingTools } from '../gateway/helpers/tools';
import { spawnHcr } from './helpers/run-hcr';

const skip = missingTools(['openssl'], 'openssl');

function env(): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const name of ['CHAIN_RPC', 'HCR_CONFIG', 'GATEWAY_SURI', 'IPFS_API', 'GRAPHQL_URL', 'GATEWAY_PUBLIC_URL', 'GATEWAY_TLS_CERT', 'GATEWAY_TLS_KEY', 'HCR_LOG_FORMAT']) delete clean[name];
  return clean;
}

function output(child: ChildProcess): () => string {
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  return () => text;
}

async function waitFor(read: () => string, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(read())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs / 1000} s:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('hcr gateway and signals', { skip }, () => {
  let dir: string;
  let devnet: ChildProcess;
  let chainUrl: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-signals-'));
    // Port 0, and the address read from what it prints: a port picked beforehand can be taken
    // by another process before the child binds it.
    devnet = spawnHcr(['devnet', '--ephemeral', '--port', '0'], env());
    const read = output(devnet);
    await waitFor(read, /chain RPC: ws:\/\/[\d.]+:\d+/);
    chainUrl = /chain RPC: (ws:\/\/[\d.]+:\d+)/.exec(read())![1];
  });
  after(() => {
    devnet?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reloads its TLS certificate on SIGHUP and keeps serving; stops in order on SIGTERM with exit 0', async () => {
    const ca = await makeTestCa(join(dir, 'ca'));
    const pair = await ca.issue(join(dir, 'tls'), { ips: ['127.0.0.1'] });
    const gateway = spawnHcr(['gateway', '--chain', chainUrl, '--port', '0', '--data-dir', join(dir, 'data'), '--tls-cert', pair.certFile, '--tls-key', pair.keyFile, '--log-format', 'json'], env());
    const read = output(gateway);
    const exited = new Promise<number | null>((resolve) => gateway.once('exit', resolve));
    try {
      await waitFor(read, /gateway: https:\/\/127\.0\.0\.1:\d+/);
      const port = /gateway: https:\/\/127\.0\.0\.1:(\d+)/.exec(read())![1];
      const healthz = () =>
        new Promise<number>((resolve, reject) => get(`https://127.0.0.1:${port}/healthz`, { ca: readFileSync(ca.caFile) }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject));
      assert.equal(await healthz(), 200);

      gateway.kill('SIGHUP');
      await waitFor(read, /"msg":"TLS certificate loaded"/, 10_000);
      assert.equal(gateway.exitCode, null, 'SIGHUP stopped the gateway');
      assert.equal(await healthz(), 200);

      gateway.kill('SIGTERM');
      assert.equal(await exited, 0, read());
      assert.match(read(), /SIGTERM: stopping/);
    } finally {
      gateway.kill('SIGKILL');
    }
  });

  it('stops on SIGHUP when it serves plain HTTP (nothing to reload)', async () => {
    const gateway = spawnHcr(['gateway', '--chain', chainUrl, '--port', '0', '--data-dir', join(dir, 'plain')], env());
    const read = output(gateway);
    const exited = new Promise<number | null>((resolve) => gateway.once('exit', resolve));
    try {
      await waitFor(read, /gateway: http:\/\/127\.0\.0\.1:\d+/);
      gateway.kill('SIGHUP');
      assert.equal(await exited, 0, read());
      assert.match(read(), /SIGHUP: stopping/);
    } finally {
      gateway.kill('SIGKILL');
    }
  });
});
