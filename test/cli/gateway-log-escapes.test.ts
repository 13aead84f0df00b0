// `hcr gateway`'s log lines quote what strangers wrote on chain: a mirror passes over an image
// name no pull could ask for and says so, quoting it. The name is anyone's bytes, here a C1 CSI
// (U+009B, "clear screen" in a terminal that honours 8-bit controls) and a bidi override, which
// JSON.stringify leaves raw. Neither may reach the terminal an operator tails the log in, in the
// text format or in JSON, and a JSON line must stay the same JSON for a log collector.
// The real binary, against a dev chain holding the hostile record.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringToHex } from '@polkadot/util';
import { createSpace, signerFromUri, submitTx } from '../../src/chain';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { spawnHcr, stopChild, waitForOutput } from './helpers/run-hcr';

const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE_IMAGE = 'web\u009b2J\u202eexe';
const PASSED_OVER = /mirror: passing over/;

function env(): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const name of ['CHAIN_RPC', 'HCR_CONFIG', 'GATEWAY_SURI', 'IPFS_API', 'GRAPHQL_URL', 'GATEWAY_PUBLIC_URL', 'GATEWAY_TLS_CERT', 'GATEWAY_TLS_KEY', 'GATEWAY_MIRROR', 'GATEWAY_PEERS', 'HCR_LOG_FORMAT', 'HCR_LOG_LEVEL']) delete clean[name];
  return clean;
}

describe('hcr gateway logs names from the chain escaped', { timeout: 180_000 }, () => {
  let chain: TestChain;
  let dir: string;
  before(async () => {
    chain = await startTestChain();
    dir = mkdtempSync(join(tmpdir(), 'hcr-log-escapes-'));
    const alice = await signerFromUri('//Alice');
    await submitTx(chain.api, createSpace(chain.api, 'acme'), alice, { until: 'inBlock' });
    // Raw bytes, as anyone with a key for the space submits them: the project's builders refuse this name.
    const tx = chain.api.tx.containerRegistry.addManifestHeadDigestAndManifestJsonCid(stringToHex('acme'), stringToHex(HOSTILE_IMAGE), stringToHex('1.0'), stringToHex(`sha256:${'a'.repeat(64)}`), stringToHex('bafkqaaa'));
    await submitTx(chain.api, tx, alice, { until: 'inBlock' });
  });
  after(async () => {
    await chain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const format of ['text', 'json'] as const) {
    test(`--log-format ${format}: no control or bidi character reaches the log raw`, async () => {
      const gateway: ChildProcess = spawnHcr(['gateway', '--chain', chain.devnet.wsUrl, '--port', '0', '--grpc-port', 'off', '--data-dir', join(dir, format), '--mirror', 'acme', '--log-format', format], env());
      try {
        const logged = await waitForOutput(gateway, PASSED_OVER);
        const line = logged.split('\n').find((l) => PASSED_OVER.test(l))!;
        assert.doesNotMatch(line, RAW_CONTROL, JSON.stringify(line));
        if (format === 'json') assert.ok((JSON.parse(line) as { msg: string }).msg.includes(`acme/${HOSTILE_IMAGE}`), 'the JSON line holds the exact name');
        else assert.ok(line.includes('web\\x9b2J\\u202eexe'), line);
      } finally {
        await stopChild(gateway);
      }
    });
  }
});
