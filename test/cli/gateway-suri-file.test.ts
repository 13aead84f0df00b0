// GATEWAY_SURI_FILE names a file holding the gateway's key (compose's and Kubernetes' secrets are
// files under /run/secrets), so the key need not sit in the container's environment, where
// `docker inspect` shows it. GATEWAY_SURI wins when both are set; a file that cannot be read, or is
// empty, stops the gateway before it starts (exit 2) rather than start a read-only replica unasked.
// The real binary, against a dev chain.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { collect, expectExit, spawnHcr, stopChild, waitForOutput } from './helpers/run-hcr';

function env(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const name of ['CHAIN_RPC', 'HCR_CONFIG', 'GATEWAY_SURI', 'GATEWAY_SURI_FILE', 'IPFS_API', 'GRAPHQL_URL', 'GATEWAY_PUBLIC_URL', 'GATEWAY_TLS_CERT', 'GATEWAY_TLS_KEY', 'GATEWAY_MIRROR', 'GATEWAY_PEERS']) delete clean[name];
  return { ...clean, ...extra };
}

describe('hcr gateway with GATEWAY_SURI_FILE', { timeout: 180_000 }, () => {
  let chain: TestChain;
  let dir: string;
  before(async () => {
    chain = await startTestChain();
    dir = mkdtempSync(join(tmpdir(), 'hcr-suri-file-'));
  });
  after(async () => {
    await chain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const gatewayArgs = (name: string) => ['gateway', '--chain', chain.devnet.wsUrl, '--port', '0', '--grpc-port', 'off', '--data-dir', join(dir, name)];

  test('signs with the key the file holds (its line feed aside), with nothing in GATEWAY_SURI', async () => {
    const file = join(dir, 'gateway-suri');
    writeFileSync(file, '//Gateway\n', { mode: 0o600 });
    const gateway = spawnHcr(gatewayArgs('from-file'), env({ GATEWAY_SURI_FILE: file }));
    try {
      const printed = await waitForOutput(gateway, /^gateway: .*\)$/m);
      assert.match(printed, /\(pushes recorded as the owners' proxy\)/);
    } finally {
      await stopChild(gateway);
    }
  });

  for (const [what, setup, message] of [
    ['a file that is not there', () => join(dir, 'missing'), /GATEWAY_SURI_FILE .*missing cannot be read \(ENOENT\): give a file the gateway may read holding the key's secret URI/],
    ['an empty file', () => {
      const file = join(dir, 'empty');
      writeFileSync(file, '\n');
      return file;
    }, /GATEWAY_SURI_FILE .*empty is empty: write the secret URI of the gateway's key in it/],
  ] as const) {
    test(`${what} stops it before it starts, naming the variable and the fix`, async () => {
      const run = await collect(spawnHcr(gatewayArgs(what.replace(/ /g, '-')), env({ GATEWAY_SURI_FILE: setup() })), 'gateway');
      expectExit(run, 2);
      assert.match(run.stderr, message);
    });
  }
});
