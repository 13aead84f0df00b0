// /metrics is served to loopback and private networks by default, by the client address the
// trust-proxy setting gives. Behind an ingress or load balancer on a private network that the
// setting does not list (the default trusts loopback only), that address is the proxy's own for
// every client, the internet's too: it passed the private-network list and anyone on the internet
// read the gateway's metrics through the proxy. A request that an untrusted proxy forwarded for
// someone else (X-Forwarded-For names a hop beyond it) comes from no known address: refused,
// saying to list the proxy in --trust-proxy, unless --metrics-allow is `any`; so is one that a
// proxy names only in RFC 7239 Forwarded or X-Real-IP, which the gateway does not read.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiPromise } from '@polkadot/api';
import express from 'express';
import type { BlobStore } from '../../src/ipfs/blob-store';
import { healthRoutes } from '../../src/gateway/http/health';
import { metricsAccess, type MetricsAllow } from '../../src/gateway/http/metrics-access';
import { ociErrorMiddleware } from '../../src/gateway/errors/middleware';
import { GatewayMetrics } from '../../src/observability/gateway-metrics';

/** The gateway's health routes behind its trust-proxy setting, as app.ts mounts them; scraped from 127.0.0.1. */
async function withGateway(trustProxy: unknown, metricsAllow: MetricsAllow | undefined, use: (scrape: (forwardedFor?: string, headers?: Record<string, string>) => Promise<{ status: number; body: string }>) => Promise<void>): Promise<void> {
  const app = express();
  app.set('trust proxy', trustProxy);
  const unused = {} as unknown;
  app.use(healthRoutes({ api: unused as ApiPromise, store: unused as BlobStore, maxIndexLagBlocks: 20, metrics: new GatewayMetrics(), metricsAllowed: metricsAccess(metricsAllow), stopping: () => false }));
  app.use(ociErrorMiddleware(() => undefined));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  try {
    await use(async (forwardedFor, headers = {}) => {
      const response = await fetch(url, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor, ...headers } : headers });
      return { status: response.status, body: await response.text() };
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('/metrics behind a proxy the gateway does not trust', () => {
  it('is refused to an internet client an untrusted proxy forwards, naming --trust-proxy; a direct scrape is served', async () => {
    // The proxy is the peer here (127.0.0.1), and trust-proxy is off: its address is every client's.
    await withGateway(false, undefined, async (scrape) => {
      const proxied = await scrape('203.0.113.7');
      assert.equal(proxied.status, 403, `an internet client read /metrics through an untrusted proxy: ${proxied.body.slice(0, 200)}`);
      assert.doesNotMatch(proxied.body, /hcr_gateway_/);
      assert.match(proxied.body, /"code":"DENIED".*\/metrics is not served through 127\.0\.0\.1: it forwarded the request for another client \(X-Forwarded-For\) but is not a proxy the gateway's --trust-proxy \(GATEWAY_TRUST_PROXY, gateway\.trustProxy\) lists/);
      const direct = await scrape();
      assert.equal(direct.status, 200, 'Prometheus scraping the gateway itself is refused');
      assert.match(direct.body, /hcr_gateway_http_requests_total/);
    });
  });

  it('is refused when a trusted proxy names a private-network proxy that forwarded for an internet client', async () => {
    // A local reverse proxy (trusted) behind an ingress at 10.0.0.5 (not listed) that forwards 203.0.113.7.
    await withGateway('loopback', undefined, async (scrape) => {
      const proxied = await scrape('203.0.113.7, 10.0.0.5');
      assert.equal(proxied.status, 403, `an internet client read /metrics through the ingress: ${proxied.body.slice(0, 200)}`);
      assert.match(proxied.body, /not served through 10\.0\.0\.5: it forwarded the request for another client/);
      assert.equal((await scrape('10.1.2.3')).status, 200, 'Prometheus on a private network behind the trusted proxy is refused');
    });
    await withGateway(['loopback', '10.0.0.0/8'], undefined, async (scrape) => {
      const proxied = await scrape('203.0.113.7, 10.0.0.5');
      assert.equal(proxied.status, 403, 'the internet client, known once the ingress is trusted, is not on the list');
      assert.match(proxied.body, /\/metrics is not served to 203\.0\.113\.7: scrape it from an address the gateway's --metrics-allow/);
    });
  });

  it('is refused to a client a proxy names only in Forwarded or X-Real-IP, which the gateway does not read', async () => {
    // A loopback proxy (trusted by default) that speaks RFC 7239 only: without X-Forwarded-For
    // its own address would stand for the internet client it names.
    await withGateway('loopback', undefined, async (scrape) => {
      for (const headers of [{ forwarded: 'for=203.0.113.7;proto=https' }, { 'x-real-ip': '203.0.113.7' }] as Record<string, string>[]) {
        const proxied = await scrape(undefined, headers);
        assert.equal(proxied.status, 403, `an internet client read /metrics through a proxy that set ${Object.keys(headers)[0]}: ${proxied.body.slice(0, 200)}`);
        assert.doesNotMatch(proxied.body, /hcr_gateway_/);
        assert.match(proxied.body, /forwarded for another client \(Forwarded or X-Real-IP\) but carries no X-Forwarded-For.*have the proxy set X-Forwarded-For/);
      }
      // With X-Forwarded-For beside it, the trusted proxy's word is read as before.
      assert.equal((await scrape('10.1.2.3', { forwarded: 'for=10.1.2.3' })).status, 200);
      assert.equal((await scrape('203.0.113.7', { forwarded: 'for=203.0.113.7' })).status, 403);
    });
  });

  it('is served to anyone, however forwarded, when --metrics-allow is any', async () => {
    await withGateway(false, ['any'], async (scrape) => {
      assert.equal((await scrape('203.0.113.7')).status, 200);
    });
  });
});
