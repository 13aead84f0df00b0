// The wallet API's per-client limits (its request rate and the progress streams one client may
// hold open) count an IPv6 client by its /64, which a host may send from in full, not by each of
// its addresses. The requests come over HTTP through a trusted (loopback) proxy naming the client
// in X-Forwarded-For, as the gateway that mounts the API believes it: this machine has no two
// IPv6 addresses in one /64 to send from.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express, { type RequestHandler } from 'express';
import type { WalletApiContext } from '../../src/wallet-api/context';
import { Slots } from '../../src/wallet-api/concurrency';
import { apiErrorMiddleware } from '../../src/wallet-api/errors';
import { streamExtrinsic } from '../../src/wallet-api/handlers/extrinsics';
import { walletApiRateLimits } from '../../src/wallet-api/rate-limits';
import type { TxRecord } from '../../src/wallet-api/tx-tracker';

const HASH = `0x${'ab'.repeat(32)}`;

describe('wallet API limits for an IPv6 client', () => {
  let server: Server;
  let url: string;
  const open: AbortController[] = [];

  before(async () => {
    const record = { hash: HASH, action: 'create-space', signer: '5Grw', nonce: 0, status: 'in-pool', history: [] } as unknown as TxRecord;
    // One progress stream per client: the handler needs only the tracker's record and the slots.
    const ctx = { tracker: { get: () => record, listen: () => () => undefined }, streams: { slots: new Slots(1, 100), perIp: 1, total: 100 } } as unknown as WalletApiContext;
    const app = express();
    app.set('trust proxy', 'loopback');
    const { byIp } = walletApiRateLimits({ perIp: { perMinute: 1, burst: 2 } });
    const stream: RequestHandler = (req, res) => streamExtrinsic(ctx, req, res);
    app.get('/limited', byIp, (_req, res) => void res.json({ ok: true }));
    app.get('/extrinsics/:hash/events', stream);
    app.use(apiErrorMiddleware(() => undefined));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const controller of open) controller.abort();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const from = (path: string, address: string, signal?: AbortSignal) => fetch(`${url}${path}`, { headers: { 'x-forwarded-for': address }, signal });

  test('requests from two addresses of one /64 share its rate; the next /64 has its own', async () => {
    assert.equal((await from('/limited', '2001:db8:a:b::1')).status, 200);
    assert.equal((await from('/limited', '2001:DB8:A:B:0:0:0:2')).status, 200);
    const refused = await from('/limited', '2001:db8:a:b:9:9:9:9');
    assert.equal(refused.status, 429, 'a third address of the /64 got an allowance of its own');
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /too many wallet API requests from 2001:db8:a:b::\/64/);
    assert.equal((await from('/limited', '2001:db8:a:c::1')).status, 200);
  });

  test('a progress stream held from one address of a /64 is the one stream of every address in it', async () => {
    const first = new AbortController();
    open.push(first);
    const held = await from(`/extrinsics/${HASH}/events`, '2001:db8:c:d::1', first.signal);
    assert.equal(held.status, 200);
    const second = await from(`/extrinsics/${HASH}/events`, '2001:db8:c:d::2');
    assert.equal(second.status, 429, 'another address of the /64 opened a second stream');
    assert.match(((await second.json()) as { error: { message: string } }).error.message, /2001:db8:c:d::\/64 already has 1 progress streams open/);
    const other = new AbortController();
    open.push(other);
    assert.equal((await from(`/extrinsics/${HASH}/events`, '2001:db8:c:e::1', other.signal)).status, 200, 'the next /64 is another client');
  });
});
