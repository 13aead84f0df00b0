// A standalone server for the wallet API and the page (tests, and trying the page without a
// gateway): /api is the router, / the built page. The gateway mounts the same two pieces.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiPromise } from '@polkadot/api';
import express from 'express';
import { gatewaySigner } from '../chain';
import type { WalletApiConcurrency } from './concurrency';
import type { WalletApiRateLimits } from './rate-limits';
import { createWalletApiRouter } from './router';
import { ensureWebBuild } from './web-build';
import { webPageRouter } from './web-page';

export interface StartWalletApiServerOptions {
  readonly api: ApiPromise;
  readonly graphqlUrl?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** Default: the address of GATEWAY_SURI's key, else the dev chain's //Gateway. */
  readonly gatewayAddress?: string;
  /** The domain login messages name; default the address the server listens at (never a request's Host). */
  readonly registryDomain?: string;
  /** Serve the page at / (built first when stale); default true. */
  readonly page?: boolean;
  readonly txTimeoutMs?: number;
  readonly log?: (line: string) => void;
  readonly rateLimits?: WalletApiRateLimits;
  readonly concurrency?: WalletApiConcurrency;
}

export interface WalletApiServer {
  /** http://host:port */
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startWalletApiServer(options: StartWalletApiServerOptions): Promise<WalletApiServer> {
  const gatewayAddress = options.gatewayAddress ?? (await gatewaySigner()).address;
  const webRoot = options.page === false ? undefined : await ensureWebBuild();
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  // Routes are mounted once the port is known: login messages name where the server listens.
  const registryDomain = options.registryDomain ?? `${address.includes(':') ? `[${address}]` : address}:${port}`;
  const router = createWalletApiRouter({ api: options.api, gatewayAddress, graphqlUrl: options.graphqlUrl, registryDomain, txTimeoutMs: options.txTimeoutMs, log: options.log, rateLimits: options.rateLimits, concurrency: options.concurrency });
  app.use('/api', router);
  if (webRoot) app.use(webPageRouter(webRoot));
  return {
    url: `http://${address}:${port}`,
    server,
    async close() {
      router.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive and streaming connections would hold close() open; end them all.
        server.closeAllConnections();
      });
    },
  };
}
