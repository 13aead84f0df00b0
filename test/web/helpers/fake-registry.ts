// The real page (built by Vite, served with its real headers by webPageRouter) in front of a
// fake wallet API whose index says whatever a test wants: a lying, hostile or enormous index,
// without a chain or Postgres. Every GraphQL request the page sends is kept, to check what it
// asked for.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ensureWebBuild } from '../../../src/wallet-api/web-build';
import { webPageRouter } from '../../../src/wallet-api/web-page';

export interface GraphqlRequest {
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

/** Which query the page sent, by its operation name (MySpaces, Recent, SpaceDetail, …). */
export type IndexAnswer = (operation: string, request: GraphqlRequest) => unknown;

export interface FakeRegistry {
  readonly url: string;
  readonly graphqlRequests: GraphqlRequest[];
  close(): Promise<void>;
}

export const GATEWAY_ADDRESS = '5GNJqTPyNqANBkUVMN1LPPrxXnFouWXoe2wNSmmEoLctxiZY';

export async function startFakeRegistry(answer: IndexAnswer): Promise<FakeRegistry> {
  const root = await ensureWebBuild();
  const graphqlRequests: GraphqlRequest[] = [];
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.get('/api/config', (_req, res) => {
    res.json({ gatewayAddress: GATEWAY_ADDRESS, registry: 'registry.test', graphql: '/api/graphql', ss58Prefix: 42, chain: { genesisHash: `0x${'00'.repeat(32)}`, specName: 'hippius', specVersion: 1, tokenSymbol: 'UNIT', tokenDecimals: 12 } });
  });
  app.get('/api/accounts/:address', (req, res) => {
    res.json({ address: req.params.address, nonce: 0, space: null, gatewayGrant: false });
  });
  app.post('/api/graphql', (req, res) => {
    const request = { query: String(req.body?.query ?? ''), variables: (req.body?.variables ?? {}) as Record<string, unknown> };
    graphqlRequests.push(request);
    const operation = /^\s*(?:query\s+)?(\w+)?/.exec(request.query)?.[1] ?? '';
    res.json(answer(request.query.includes('squidStatus') ? 'IndexHeight' : operation, request));
  });
  app.use(webPageRouter(root));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    graphqlRequests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A wallet that shares `accounts` and signs nothing: enough to connect. */
export function accountsOnlyWallet(accounts: readonly { address: string; name: string }[]): string {
  return `(() => {
    const accounts = ${JSON.stringify(accounts.map((a) => ({ ...a, type: 'sr25519', genesisHash: null })))};
    const injected = {
      accounts: { get: async () => accounts, subscribe: (cb) => { cb(accounts); return () => undefined; } },
      signer: {},
    };
    window.injectedWeb3 = Object.assign({}, window.injectedWeb3, { 'polkadot-js': { version: '0.63.1', enable: async () => injected } });
  })();`;
}

/** A space as the index's SpaceSummary fragment has it. */
export function spaceSummary(id: string, name: string, owner: string, counts: { members?: number; images?: number; tags?: number } = {}) {
  return {
    id,
    name,
    nameHex: `0x${Buffer.from(name).toString('hex')}`,
    owner: { id: owner },
    memberCount: counts.members ?? 1,
    imageCount: counts.images ?? 0,
    tagCount: counts.tags ?? 0,
    timestamp: '2026-01-01T00:00:00.000Z',
    isNameOwner: true,
    takesNameWrites: true,
    shadowOf: null,
    nameTakenBy: null,
  };
}
