// The CAR bounds of the trustless gateway are the operator's to set: CARs one client and all
// clients have open at once (--cars-per-client / GATEWAY_CARS_PER_CLIENT, --cars-total /
// GATEWAY_CARS_TOTAL) and blocks one CAR meets (--car-max-blocks / GATEWAY_CAR_MAX_BLOCKS). A bad
// value stops `hcr gateway` before it starts (exit 2), naming the variable and what to give
// instead; the values set are the ones the route applies, and /metrics counts the CARs refused
// (with the other 429s, by limit) and those cut short at the block bound.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import type { CID } from 'multiformats/cid';
import { GatewayMetrics } from '../../src/observability/gateway-metrics';
import { trustlessRoutes } from '../../src/gateway/trustless/routes';
import { CarSettingError, parseCarSettings } from '../../src/gateway/trustless/car-settings';
import { collect, expectExit, spawnHcr } from '../cli/helpers/run-hcr';
import { type Block, rawBlock, unixfsNode } from './helpers/dag';
import { digestInfo } from '../../src/chain';
import { startTestGateway } from './helpers/gateway';
import { makeImage, pushImage, randomBlob } from './helpers/oci-client';
import { everyCidRecorded, heldBlocksStore, listenOnLoopback } from './helpers/trustless-route';

describe('trustless gateway: CAR bounds as settings', () => {
  it('keeps the defaults for settings not given (or given empty, as compose passes an unset variable)', () => {
    assert.deepEqual(parseCarSettings({}), { carConcurrency: { perClient: 32, total: 256 }, carLimits: { maxBlocks: 262_144, maxDepth: 128 } });
    assert.deepEqual(parseCarSettings({ perClient: '', total: ' ', maxBlocks: undefined }).carConcurrency, { perClient: 32, total: 256 });
    assert.deepEqual(parseCarSettings({ perClient: '4', total: 40, maxBlocks: '1000' }), { carConcurrency: { perClient: 4, total: 40 }, carLimits: { maxBlocks: 1000, maxDepth: 128 } });
  });

  for (const [setting, variable, values] of [
    ['perClient', 'GATEWAY_CARS_PER_CLIENT', ['abc', '0', '-1', '1.5', '1e3', '0x10', '99999999999999999999']],
    ['total', 'GATEWAY_CARS_TOTAL', ['many', '0']],
    ['maxBlocks', 'GATEWAY_CAR_MAX_BLOCKS', ['0', '64k']],
  ] as const) {
    it(`refuses a bad ${variable}, naming it and the fix`, () => {
      for (const value of values) {
        assert.throws(
          () => parseCarSettings({ [setting]: value }),
          (error: Error) => error instanceof CarSettingError && error.message.includes(variable) && /whole number ≥ 1/.test(error.message) && error.message.includes(`${variable}=`),
          `${variable}=${value}`,
        );
      }
    });
  }

  it('refuses a total below the per-client bound, naming both', () => {
    assert.throws(() => parseCarSettings({ perClient: '64', total: '16' }), /GATEWAY_CARS_TOTAL.*below.*GATEWAY_CARS_PER_CLIENT.*raise GATEWAY_CARS_TOTAL or lower GATEWAY_CARS_PER_CLIENT/);
  });

  it('stops hcr gateway before it starts (exit 2) on a bad value, naming the variable', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcr-car-settings-'));
    try {
      const env = { ...process.env };
      for (const name of ['CHAIN_RPC', 'HCR_CONFIG', 'GATEWAY_SURI', 'GATEWAY_SURI_FILE', 'IPFS_API', 'GRAPHQL_URL', 'GATEWAY_CARS_PER_CLIENT', 'GATEWAY_CARS_TOTAL', 'GATEWAY_CAR_MAX_BLOCKS']) delete env[name];
      // Nothing listens on the chain's port: the values are checked before the chain is asked.
      const args = ['gateway', '--chain', 'ws://127.0.0.1:9', '--port', '0', '--grpc-port', 'off', '--data-dir', join(dir, 'data')];
      const run = await collect(spawnHcr(args, { ...env, GATEWAY_CAR_MAX_BLOCKS: 'lots' }), 'gateway');
      expectExit(run, 2);
      assert.match(run.stderr, /--car-max-blocks \(GATEWAY_CAR_MAX_BLOCKS, gateway\.carMaxBlocks\) takes a whole number ≥ 1, got "lots": for example GATEWAY_CAR_MAX_BLOCKS=262144/);
      const low = await collect(spawnHcr(args, { ...env, GATEWAY_CARS_PER_CLIENT: '8', GATEWAY_CARS_TOTAL: '4' }), 'gateway');
      expectExit(low, 2);
      assert.match(low.stderr, /GATEWAY_CARS_TOTAL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('applied by the route, and counted in /metrics', () => {
    let server: http.Server;
    let base: string;
    let small: Block;
    let large: Block;
    let metrics: GatewayMetrics;
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));

    before(async () => {
      const leaves = await Promise.all([1, 2, 3].map((n) => rawBlock(new Uint8Array([n, n]))));
      small = await unixfsNode('file', [{ cid: leaves[0].cid, size: 2 }]);
      large = await unixfsNode('file', leaves.map((leaf) => ({ cid: leaf.cid, size: 2 })));
      const held = new Map([small, large, ...leaves].map((b) => [b.cid.toString(), b.bytes]));
      // The small file's leaf is read only once the test opens the gate: its CARs stay open until then.
      const read = async (cid: CID) => {
        if (cid.equals(leaves[0].cid)) await gate;
        return held.get(cid.toString());
      };
      const store = await heldBlocksStore(held, read);
      metrics = new GatewayMetrics();
      const log = () => undefined;
      // As an operator would set them: one CAR per client, three blocks a CAR.
      const settings = parseCarSettings({ perClient: '1', total: '10', maxBlocks: '3' });
      const app = express();
      app.use(trustlessRoutes({ store, recorded: everyCidRecorded, log, metrics, ...settings }, log));
      ({ server, base } = await listenOnLoopback(app));
    });

    after(() => {
      openGate();
      server?.closeAllConnections();
      server?.close();
    });

    const count = async (name: string, labels: string) => {
      const text = await metrics.registry.metrics();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };

    it('refuses a second CAR of one client with 429 when one is set, and counts it', async () => {
      const req = http.get(`${base}/ipfs/${small.cid}?format=car`, { agent: false });
      const [first] = (await once(req, 'response')) as [http.IncomingMessage];
      assert.equal(first.statusCode, 200);
      try {
        const second = await fetch(`${base}/ipfs/${small.cid}?format=car`);
        assert.equal(second.status, 429);
        assert.match(await second.text(), /has 1 CAR answers open already/);
        assert.equal(await count('hcr_gateway_rate_limited_total', 'limit="car_client"'), 1);
      } finally {
        req.destroy();
      }
    });

    it('cuts short the CAR of a DAG of more blocks than set, and counts it', async () => {
      // Cut at the root's links, just after the CAR's header: the connection ends before any block
      // (before or after the response head is read, as the socket's timing has it).
      await assert.rejects(async () => {
        const response = await fetch(`${base}/ipfs/${large.cid}?format=car`);
        await response.arrayBuffer();
      }, 'the CAR is cut short, not ended as if whole');
      assert.equal(await count('hcr_gateway_trustless_cars_cut_short_total', 'bound="blocks"'), 1);
      assert.equal(await count('hcr_gateway_trustless_cars_cut_short_total', 'bound="depth"'), 0);
    });
  });

  it('reaches the route of a gateway started with them, and its /metrics', { timeout: 120_000 }, async () => {
    const t = await startTestGateway({ trustless: parseCarSettings({ maxBlocks: '2' }) });
    try {
      // A layer of several 256 KiB leaves: more blocks than the two set.
      const image = makeImage([randomBlob(1024 * 1024)]);
      assert.equal((await pushImage(t.url, 'acme/bounds', 'v1', image)).status, 201);
      const cid = (await digestInfo(t.chain.api, image.layers[0].digest))!.cid.text!;
      await assert.rejects(async () => {
        const response = await fetch(`${t.url}/ipfs/${cid}?format=car`);
        await response.arrayBuffer();
      }, 'the CAR is cut short at the blocks set');
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(metrics, /^hcr_gateway_trustless_cars_cut_short_total\{bound="blocks"\} 1$/m);
      const block = await fetch(`${t.url}/ipfs/${cid}?format=raw`);
      assert.equal(block.status, 200, 'a block alone is no walk, and is served');
    } finally {
      await t.close();
    }
  });
});
