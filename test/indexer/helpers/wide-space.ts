// What the GraphQL cost tests query: a dev chain, Postgres and an index holding one space, "wide"
// (Eve's), with `images` images recorded in one extrinsic, so lists nested or repeated multiply
// into many rows.
import { settledHead, startTestChain, type TestChain } from '../../helpers/devnet';
import { devAccounts, type DevAccounts } from './accounts';
import { startTestIndexer, type TestIndexer } from './indexer';
import { startTestPostgres, type TestPostgres } from './postgres';
import { submit } from './submit';

export interface WideSpaceIndex {
  readonly a: DevAccounts;
  readonly chain: TestChain;
  readonly pg: TestPostgres;
  readonly indexer: TestIndexer;
  readonly dbUrl: string;
  readonly spaceId: string;
  close(): Promise<void>;
}

export async function indexWideSpace(database: string, images: number): Promise<WideSpaceIndex> {
  const a = await devAccounts();
  const chain = await startTestChain();
  const pg = await startTestPostgres();
  const cr = chain.api.tx.containerRegistry;
  const created = await submit(cr.createSpace('wide'), a.eve);
  const spaceId = created.events.find(({ event }) => event.method === 'SpaceCreated')!.event.data[0].toString();
  const pushes = Array.from({ length: images }, (_, i) => cr.addManifestHeadDigestAndManifestJsonCid('wide', `img${i}`, 'v1', `sha256:${String(i).padStart(64, '0')}`, `bafy${i}`));
  await submit(chain.api.tx.utility.batchAll(pushes), a.eve, { finalized: true });
  const dbUrl = await pg.newDatabase(database);
  const indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl });
  await indexer.waitForHead(await settledHead(chain.api), 60_000);
  return {
    a, chain, pg, indexer, dbUrl, spaceId,
    close: async () => {
      await indexer.close();
      await pg.close();
      await chain.close();
    },
  };
}
