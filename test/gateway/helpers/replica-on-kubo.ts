// A replica of a test gateway whose IPFS store is a Kubo node: the embedded store's Kubo RPC API
// over the test gateway's own store, reached through a proxy that may answer in the node's place
// (test/ipfs/helpers/kubo-proxy.ts). Everything it starts, close() stops.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunningGateway, StartGatewayOptions } from '../../../src/gateway';
import { KuboBlobStore, startKuboApiServer } from '../../../src/ipfs';
import { kuboProxy } from '../../ipfs/helpers/kubo-proxy';
import type { TestGateway } from './gateway';

export interface ReplicaOnKubo {
  readonly replica: RunningGateway;
  readonly kubo: KuboBlobStore;
  close(): Promise<void>;
}

export async function replicaOnKubo(t: TestGateway, answer: (req: IncomingMessage, res: ServerResponse) => boolean, options: Partial<StartGatewayOptions> = {}): Promise<ReplicaOnKubo> {
  const kuboApi = await startKuboApiServer({ store: t.store, port: 0 });
  const proxy = await kuboProxy(kuboApi.url, answer);
  const kubo = await KuboBlobStore.open({ url: proxy.url, lookupTimeoutMs: 5_000 });
  const replica = await t.startReplica({ blobStore: kubo, ...options });
  return {
    replica,
    kubo,
    async close() {
      await replica.close();
      await kubo.close();
      await proxy.close();
      await kuboApi.close();
    },
  };
}
