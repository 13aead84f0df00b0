// Whether a CID is recorded is asked of chain storage when the index does not know it, and any
// client can ask for CIDs no one recorded. So a chain that cannot be reached is a 503 to retry,
// not a 500 with a stack trace logged per CID; and chain storage is scanned once at a time,
// however long a scan takes on a large chain and however many unknown CIDs are asked for
// meanwhile.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { ChainUnavailableError } from '../../src/gateway/errors/from-internal';
import type { ChainReader } from '../../src/gateway/resolve/chain-reader';
import { RecordedCids } from '../../src/gateway/trustless/recorded-cids';
import { trustlessRoutes } from '../../src/gateway/trustless/routes';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { rawBlock } from './helpers/dag';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('trustless gateway: reading chain storage', () => {
  let dir: string;
  let store: EmbeddedBlobStore;
  const servers: Server[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-trustless-scans-'));
    store = await EmbeddedBlobStore.open(embeddedIpfsDir(dir));
  });
  after(async () => {
    for (const server of servers) server.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A trustless gateway over `chain`, and the lines it logs. */
  async function serve(chain: Pick<ChainReader, 'recordedCids'>): Promise<{ url: string; logs: string[] }> {
    const logs: string[] = [];
    const log = (line: string) => logs.push(line);
    const recorded = new RecordedCids({ chain: chain as ChainReader, log, localBlock: (cid) => store.getBlock(cid).catch(() => undefined) });
    const app = express();
    app.use(trustlessRoutes({ store, recorded, log }, log));
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await once(server, 'listening');
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, logs };
  }

  const unknownCid = async (n: number) => (await rawBlock(new TextEncoder().encode(`never recorded ${n}`))).cid;

  it('answers 503 with Retry-After, not 500, while the chain cannot be reached, and 404 once it answers', async () => {
    let up = false;
    const { url, logs } = await serve({
      recordedCids: async () => {
        if (!up) throw new ChainUnavailableError('the chain is not connected, so the recorded CIDs cannot be read from chain storage');
        return [];
      },
    });
    for (const method of ['GET', 'HEAD']) {
      const response = await fetch(`${url}/ipfs/${await unknownCid(1)}?format=raw`, { method });
      assert.equal(response.status, 503, method);
      assert.equal(response.headers.get('retry-after'), '5');
      if (method === 'GET') assert.match(await response.text(), /cannot be told now \(the chain is not connected.*\); retry shortly/);
    }
    assert.deepEqual(logs.filter((line) => /\n\s+at /.test(line)), [], 'no stack trace is logged for an outage');
    up = true;
    assert.equal((await fetch(`${url}/ipfs/${await unknownCid(1)}?format=raw`)).status, 404);
  });

  it('scans chain storage once at a time, though a scan outlasts the interval between scans', { timeout: 20_000 }, async () => {
    let scans = 0;
    let running = 0;
    let most = 0;
    const { url } = await serve({
      recordedCids: async () => {
        scans++;
        most = Math.max(most, ++running);
        try {
          await delay(2_500);
          return [];
        } finally {
          running--;
        }
      },
    });
    const answers: Promise<number>[] = [];
    for (let i = 0; i < 5; i++) {
      answers.push(fetch(`${url}/ipfs/${await unknownCid(10 + i)}?format=raw`).then((response) => response.status));
      await delay(700);
    }
    assert.deepEqual(await Promise.all(answers), [404, 404, 404, 404, 404]);
    assert.equal(most, 1, 'scans ran at the same time');
    assert.equal(scans, 1, 'the requests made while a scan ran waited on it');
  });
});
