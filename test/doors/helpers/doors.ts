// A gateway with its index for the artifact front doors' tests: the dev chain, the embedded IPFS
// store (with its Kubo RPC subset for the content indexer), embedded Postgres with the processor,
// the content indexer and GraphQL, and the gateway reading that GraphQL. //Alice owns `acme`
// (the default space) and granted the gateway; //Bob owns `bobspace` and granted it too.
import { startGraphql, type GraphqlServer } from '../../../src/indexer/graphql-server';
import { runMigrations } from '../../../src/indexer/migrations';
import { waitForProcessorState } from '../../../src/indexer/processor-state';
import { startProcessor, type ProcessorHandle } from '../../../src/indexer/processor-process';
import type { ManagedChild } from '../../../src/indexer/child-process';
import { startContentIndexer } from '../../../src/content-index/process';
import { type KuboApiServer, startKuboApiServer } from '../../../src/ipfs';
import { createSpace, grantGateway, submitTx } from '../../../src/chain';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../../gateway/helpers/gateway';
import { FAST_CONTENT_INDEX_ENV } from '../../indexer/helpers/indexer';
import { startTestPostgres, type TestPostgres } from '../../indexer/helpers/postgres';

export interface DoorsFixture {
  readonly t: TestGateway;
  readonly url: string;
  readonly graphqlUrl: string;
  query<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export async function startDoors(options: TestGatewayOptions = {}): Promise<DoorsFixture> {
  let t: TestGateway | undefined;
  let ipfs: KuboApiServer | undefined;
  let pg: TestPostgres | undefined;
  let processor: ProcessorHandle | undefined;
  let content: ManagedChild | undefined;
  let graphql: GraphqlServer | undefined;
  const close = async () => {
    await graphql?.stop();
    await content?.stop();
    await processor?.stop();
    await pg?.close();
    await ipfs?.close();
    await t?.close();
  };
  try {
    // GraphQL first, on a port it binds itself, so the gateway is given an address that is
    // already its (a port picked free and bound later can be taken in between).
    pg = await startTestPostgres();
    const dbUrl = await pg.newDatabase('doors');
    await runMigrations(dbUrl);
    graphql = await startGraphql({ dbUrl, port: 0 });
    t = await startTestGateway({ index: graphql.url, artifacts: { defaultSpace: 'acme', indexWaitMs: 60_000 }, ...options });
    await submitTx(t.chain.api, createSpace(t.chain.api, 'bobspace'), t.keys.bob);
    await grantGateway(t.chain.api, t.keys.bob, t.keys.gateway.address);
    ipfs = await startKuboApiServer({ store: t.store, port: 0 });
    const log = process.env.HCR_TEST_LOG ? console.log : undefined;
    processor = startProcessor({ chainRpc: t.chain.devnet.wsUrl, dbUrl, headPollIntervalMs: 200, log });
    await waitForProcessorState(dbUrl, processor);
    content = startContentIndexer({ dbUrl, ipfsApi: ipfs.url, env: FAST_CONTENT_INDEX_ENV, log });
  } catch (error) {
    await close();
    throw error;
  }
  const graphqlUrl = graphql.url;
  const query = async <T>(q: string, variables?: Record<string, unknown>): Promise<T> => {
    const response = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: q, variables }) });
    const body = (await response.json()) as { data: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
    return body.data;
  };
  return { t, url: t.url, graphqlUrl, query, close };
}
