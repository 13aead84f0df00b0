// The plugin door's gRPC server over a GraphQL index on a real socket that answers as a test
// scripts it, recording every query: the handlers, the catalog and the index client are the
// gateway's own; the rest of the gateway (chain, IPFS, tokens) is left out, as DiscoverPlugins
// does not reach it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { ArtifactDoors } from '../../../src/gateway/artifacts/artifact-doors';
import type { GatewayContext } from '../../../src/gateway/context';
import { startPluginRegistry } from '../../../src/gateway/doors/plugins/server';
import { ListingAdmission } from '../../../src/limits/listing-admission';
import { pluginRegistryClient } from './plugin-client';

export interface IndexAnswer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body: unknown;
}

export interface ScriptedPluginDoor {
  /** Every query the index received, with its variables. */
  readonly queries: { query: string; variables: Record<string, any> }[];
  call(method: string, request: unknown): Promise<any>;
  close(): Promise<void>;
}

export async function startScriptedPluginDoor(answer: (query: string, variables: Record<string, any>) => IndexAnswer): Promise<ScriptedPluginDoor> {
  const queries: ScriptedPluginDoor['queries'] = [];
  const index = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk));
    req.on('end', () => {
      const { query, variables } = JSON.parse(text) as { query: string; variables: Record<string, any> };
      queries.push({ query, variables });
      const { status, headers, body } = answer(query, variables ?? {});
      res.writeHead(status ?? 200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => index.listen(0, '127.0.0.1', resolve));
  const ctx = {
    access: { auth: { enabled: false, anonymousPull: true } },
    artifacts: new ArtifactDoors({ graphqlUrl: `http://127.0.0.1:${(index.address() as AddressInfo).port}/graphql` }),
    listingAdmission: new ListingAdmission(),
    clientAddress: (peer: string) => peer,
    log: () => undefined,
  } as unknown as GatewayContext;
  const registry = await startPluginRegistry({ context: ctx, port: 0 });
  const client = pluginRegistryClient<grpc.Client & Record<string, Function>>(registry.address);
  return {
    queries,
    call: (method, request) => new Promise((resolve, reject) => client[method](request, new grpc.Metadata(), (error: grpc.ServiceError | null, response: unknown) => (error ? reject(error) : resolve(response)))),
    async close() {
      client.close();
      await registry.close();
      index.closeAllConnections();
      await new Promise<void>((resolve) => index.close(() => resolve()));
    },
  };
}
