// A gateway whose chain URL starts serving another chain after a reconnect (a moved load balancer
// or DNS name) reads nothing from it: /readyz fails naming both chains, and a pull that needs the
// chain is a retryable 503 with the same words, not an answer from the other chain's storage.
// Once the URL serves the chain again, the gateway is ready again on its own. `hcr gateway` logs
// both changes, once each.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chainMismatch, connectChain, shownHash } from '../../src/chain';
import type { RunningGateway } from '../../src/gateway';
import { type MovingChainUrl, startMovingChainUrl, until } from '../helpers/moving-chain-url';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { spawnHcr, stopChild, waitForOutput } from '../cli/helpers/run-hcr';

const OTHER_GENESIS = `0x${'cd'.repeat(32)}`;

let t: TestGateway;
let url: MovingChainUrl;

before(async () => {
  t = await startTestGateway();
  url = await startMovingChainUrl(t.chain.devnet.wsUrl, OTHER_GENESIS);
});

after(async () => {
  await t?.close();
  await url?.close();
});

test('a gateway refuses a chain URL that moved to another chain, and is ready again when it moves back', async (context) => {
  const api = await connectChain(url.url);
  context.after(() => api.disconnect());
  const replica: RunningGateway = await t.startReplica({ api });
  assert.equal((await fetch(`${replica.url}/readyz`)).status, 200);

  url.move(true);
  await until('the reconnect to be refused', () => chainMismatch(api) !== undefined);
  const readiness = await fetch(`${replica.url}/readyz`);
  assert.equal(readiness.status, 503);
  const readinessText = await readiness.text();
  assert.ok(readinessText.includes(`now serves another chain: its genesis hash is ${shownHash(OTHER_GENESIS)}, not ${shownHash(t.chain.api.genesisHash.toHex())}`), readinessText);

  const pull = await fetch(`${replica.url}/v2/acme/app/manifests/latest`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  const pullText = await pull.text();
  assert.equal(pull.status, 503, pullText);
  assert.ok(pull.headers.get('retry-after'), 'a 503 the client may retry');
  assert.match(pullText, /now serves another chain/);

  url.move(false);
  await until('the gateway to be ready again', async () => (await fetch(`${replica.url}/readyz`)).status === 200);
  const after = await fetch(`${replica.url}/v2/acme/app/manifests/latest`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(after.status, 404, await after.text());
});

test('hcr gateway logs when its chain URL moves to another chain, and when it is back', async (context) => {
  const dir = mkdtempSync(join(tmpdir(), 'hcr-chain-moved-'));
  const env: NodeJS.ProcessEnv = { ...process.env, HCR_LOG_FORMAT: 'text' };
  for (const name of ['HCR_CONFIG', 'CHAIN_RPC', 'CHAIN_GENESIS_HASH', 'GATEWAY_SURI', 'IPFS_API', 'GRAPHQL_URL']) delete env[name];
  const child = spawnHcr(['gateway', '--chain', url.url, '--data-dir', dir, '--port', '0'], env);
  context.after(async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  });
  await waitForOutput(child, /gateway: http:\/\//);
  url.move(true);
  const refused = await waitForOutput(child, /chain: the node at \S+ now serves another chain/);
  assert.ok(refused.includes(`its genesis hash is ${shownHash(OTHER_GENESIS)}, not ${shownHash(t.chain.api.genesisHash.toHex())}`), refused);
  url.move(false);
  const back = await waitForOutput(child, /serves this gateway's chain again; reading from it again/);
  // The gateway's own line (polkadot.js also logs each refused call, as `RPC-CORE: …:: the node at …`).
  assert.equal(back.match(/chain: the node at \S+ now serves another chain/g)?.length, 1, `the refusal is logged once, not at every attempt:\n${back}`);
});
