// forwardedClient works out a client's address as Express's req.ip does under the same
// trust-proxy setting: checked against a real Express app, for the settings the gateway accepts
// and for forwarded chains that try to pass a forged address through a proxy.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import express from 'express';
import { forwardedClient, type TrustProxyFn } from '../../src/limits/forwarded-client';

/** Express's req.ip for a request from 127.0.0.1 with this X-Forwarded-For, and forwardedClient's answer. */
async function both(trust: boolean | number | string | string[], forwardedFor: string | undefined): Promise<{ express: string; ours: string }> {
  const app = express();
  app.set('trust proxy', trust);
  app.get('/', (req, res) => {
    res.send(req.ip);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const answer = await fetch(`http://127.0.0.1:${port}/`, { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });
    return { express: await answer.text(), ours: forwardedClient(app.get('trust proxy fn') as TrustProxyFn, '127.0.0.1', forwardedFor) };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('the client behind proxies', () => {
  const chains = [undefined, '203.0.113.7', '198.51.100.9, 203.0.113.7', '10.1.2.3, 203.0.113.7', '203.0.113.7, 10.1.2.3', ' 203.0.113.7 ,, 10.0.0.5 '];
  for (const trust of [false, true, 'loopback', ['10.0.0.0/8', '127.0.0.1'], 1, 2]) {
    test(`as Express works it out with trust proxy ${JSON.stringify(trust)}`, async () => {
      for (const chain of chains) {
        const { express: expected, ours } = await both(trust, chain);
        assert.equal(ours, expected, `X-Forwarded-For ${JSON.stringify(chain)}`);
      }
    });
  }

  test('a peer that is not a trusted proxy is the client, whatever it forwards', () => {
    const loopbackOnly: TrustProxyFn = (address) => address === '127.0.0.1';
    assert.equal(forwardedClient(loopbackOnly, '192.0.2.50', '203.0.113.7'), '192.0.2.50');
    assert.equal(forwardedClient(loopbackOnly, '127.0.0.1', '203.0.113.7'), '203.0.113.7');
    // A forged entry to the left of what the trusted proxy saw is not believed.
    assert.equal(forwardedClient(loopbackOnly, '127.0.0.1', '198.51.100.9, 203.0.113.7'), '203.0.113.7');
    assert.equal(forwardedClient(loopbackOnly, '::ffff:192.0.2.50', undefined), '192.0.2.50');
  });
});
