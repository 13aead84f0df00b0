// The firmware door answers a method a route does not take with 405 in text/plain, repeating the
// request's path: without `X-Content-Type-Options: nosniff` a browser may sniff a path written as
// markup into an HTML page of the gateway's origin. Every other firmware answer already sent it.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express from 'express';
import type { GatewayContext } from '../../src/gateway/context';
import { firmwareRoutes } from '../../src/gateway/doors/firmware/routes';

test('405 on a firmware route is plain text the browser must not sniff, naming the methods to use', async () => {
  const app = express();
  app.use(firmwareRoutes({ log: () => undefined } as unknown as GatewayContext));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const path = '/firmware/%3Chtml%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E/1.0.0';
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, { method: 'DELETE' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(response.headers.get('allow'), 'GET, HEAD');
    assert.match(await response.text(), /^DELETE is not supported on .*: use GET, HEAD\n$/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
