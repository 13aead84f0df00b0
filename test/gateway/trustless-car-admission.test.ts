// How many CARs the trustless gateway walks at once: anyone may ask, and each open CAR holds a
// walk reading ahead of its client. One client's open CARs and all clients' together are bounded;
// past either the CAR is a 429 with Retry-After (and no year of public caching, which would let a
// shared cache keep the refusal), and a client that hangs up frees its place at once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import express from 'express';
import type { CID } from 'multiformats/cid';
import { ipfsModules } from '../../src/ipfs/esm';
import { trustlessRoutes } from '../../src/gateway/trustless/routes';
import { type Block, rawBlock, unixfsNode } from './helpers/dag';
import { everyCidRecorded, heldBlocksStore, listenOnLoopback } from './helpers/trustless-route';

describe('trustless gateway: CARs sent at once', () => {
  let server: http.Server;
  let base: string;
  let root: Block;
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (openGate = resolve));

  before(async () => {
    const m = await ipfsModules();
    const leaf = await rawBlock(new Uint8Array([1, 2, 3]));
    root = await unixfsNode('file', [{ cid: leaf.cid, size: 3 }]);
    const held = new Map([root, leaf].map((b) => [b.cid.toString(), b.bytes]));
    // The leaf is read only once the test opens the gate: every CAR stays open until then.
    const read = async (cid: CID) => {
      if (cid.code === m.raw.code) await gate;
      return held.get(cid.toString());
    };
    const store = await heldBlocksStore(held, read);
    const log = () => undefined;
    const ctx = (carConcurrency: { perClient: number; total: number }) => ({ store, recorded: everyCidRecorded, log, carConcurrency }) as Parameters<typeof trustlessRoutes>[0];
    const app = express();
    app.use('/client', trustlessRoutes(ctx({ perClient: 2, total: 100 }), log));
    app.use('/total', trustlessRoutes(ctx({ perClient: 100, total: 2 }), log));
    ({ server, base } = await listenOnLoopback(app));
  });

  after(() => {
    openGate();
    server?.closeAllConnections();
    server?.close();
  });

  /** A CAR request whose response head has arrived and whose body is left unread. */
  async function openCar(prefix: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; close: () => void }> {
    const req = http.get(`${base}${prefix}/ipfs/${root.cid}?format=car`, { agent: false });
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    return { status: res.statusCode!, headers: res.headers, close: () => req.destroy() };
  }

  it('refuses a client a CAR past its bound with 429, Retry-After and no public caching, and admits it again once one is closed', async () => {
    const first = await openCar('/client');
    const second = await openCar('/client');
    assert.deepEqual([first.status, second.status], [200, 200]);
    const third = await openCar('/client');
    assert.equal(third.status, 429);
    assert.ok(third.headers['retry-after'], 'Retry-After is set');
    assert.equal(third.headers['cache-control'], undefined, 'a refusal is not cached for a year');
    assert.equal(third.headers.etag, undefined);
    third.close();
    first.close();
    // The server sees the hang-up shortly after.
    let again = await openCar('/client');
    for (let tries = 0; again.status === 429 && tries < 50; tries++) {
      again.close();
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await openCar('/client');
    }
    assert.equal(again.status, 200);
    again.close();
    second.close();
  });

  it('refuses any CAR past the bound of all clients together', async () => {
    const open = [await openCar('/total'), await openCar('/total')];
    assert.deepEqual(open.map((car) => car.status), [200, 200]);
    const refused = await openCar('/total');
    assert.equal(refused.status, 429);
    for (const car of [...open, refused]) car.close();
  });
});
