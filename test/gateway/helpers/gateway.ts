// A gateway for tests: the dev chain, the embedded IPFS store and the gateway in process, with
// //Alice owning the space `acme` and granting //Gateway its NonTransfer proxy (unless asked
// not to). Everything it starts, it stops in close().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyringPair } from '@polkadot/keyring/types';
import { createSpace, grantGateway, signerFromUri, submitTx } from '../../../src/chain';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../../src/ipfs';
import { type RunningGateway, startGateway, type StartGatewayOptions } from '../../../src/gateway';
import { startTestChain, type TestChain } from '../../helpers/devnet';

export interface TestGateway {
  readonly chain: TestChain;
  readonly store: EmbeddedBlobStore;
  readonly gateway: RunningGateway;
  readonly url: string;
  readonly dataDir: string;
  readonly keys: { alice: KeyringPair; bob: KeyringPair; charlie: KeyringPair; dave: KeyringPair; gateway: KeyringPair };
  readonly logs: string[];
  /** Another gateway on the same chain and IPFS store with its own data dir (a replica). */
  startReplica(options?: Partial<StartGatewayOptions>): Promise<RunningGateway>;
  close(): Promise<void>;
}

export interface TestGatewayOptions extends Partial<Omit<StartGatewayOptions, 'api' | 'blobStore' | 'dataDir'>> {
  /** Create `acme` for //Alice and grant the gateway (default true). */
  readonly grant?: boolean;
  /** Start without a gateway key: a read-only replica. */
  readonly readOnly?: boolean;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const chain = await startTestChain();
  const dataDir = mkdtempSync(join(tmpdir(), 'hcr-gateway-'));
  const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
  const keys = {
    alice: await signerFromUri('//Alice'),
    bob: await signerFromUri('//Bob'),
    charlie: await signerFromUri('//Charlie'),
    dave: await signerFromUri('//Dave'),
    gateway: await signerFromUri('//Gateway'),
  };
  const logs: string[] = [];
  const replicas: RunningGateway[] = [];
  let gateway: RunningGateway | undefined;
  try {
    await submitTx(chain.api, createSpace(chain.api, 'acme'), keys.alice);
    if (options.grant ?? true) await grantGateway(chain.api, keys.alice, keys.gateway.address);
    gateway = await startGateway({
      api: chain.api,
      blobStore: store,
      dataDir,
      gatewaySigner: options.readOnly ? undefined : keys.gateway,
      port: 0,
      log: (line) => logs.push(line),
      ...options,
      auth: options.auth ?? { enabled: false },
    });
  } catch (error) {
    await store.close();
    await chain.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const running = gateway;
  return {
    chain,
    store,
    gateway: running,
    url: running.url,
    dataDir,
    keys,
    logs,
    async startReplica(extra = {}) {
      const replicaDir = mkdtempSync(join(dataDir, 'replica-'));
      const replica = await startGateway({ api: chain.api, blobStore: store, dataDir: replicaDir, port: 0, log: (line) => logs.push(line), auth: { enabled: false }, ...extra });
      replicas.push(replica);
      return replica;
    },
    async close() {
      for (const replica of replicas) await replica.close();
      await running.close();
      await store.close().catch(() => undefined);
      await chain.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
