// Read-only gateways with stores of their own, fetching from peers: what the peer suites start,
// each in a fresh data dir, all closed (and their dirs removed) by close().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiPromise } from '@polkadot/api';
import { type RunningGateway, startGateway } from '../../../src/gateway';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../../src/ipfs';

export interface PeerReplica {
  readonly gateway: RunningGateway;
  readonly url: string;
  readonly store: EmbeddedBlobStore;
  readonly dataDir: string;
  readonly logs: string[];
}

export class PeerReplicas {
  readonly #api: () => ApiPromise;
  readonly #dirs: string[] = [];
  readonly #stores: EmbeddedBlobStore[] = [];
  readonly #gateways: RunningGateway[] = [];

  /** `api`: the chain the gateways read, asked for as each starts (suites connect in `before`). */
  constructor(api: () => ApiPromise) {
    this.#api = api;
  }

  /** A read-only gateway with a store of its own, fetching from `peers`. */
  async start(peers: string[]): Promise<PeerReplica> {
    const dataDir = mkdtempSync(join(tmpdir(), 'hcr-peer-replica-'));
    this.#dirs.push(dataDir);
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    this.#stores.push(store);
    const logs: string[] = [];
    // A stalling peer is given up on after 3 s: quick enough for the tests of stalling peers, and
    // long enough that an honest one serving 45 MiB on a busy machine is not taken for one.
    const gateway = await startGateway({ api: this.#api(), blobStore: store, dataDir, port: 0, auth: { enabled: false }, peers, peerStallMs: 3_000, log: (line) => logs.push(line) });
    this.#gateways.push(gateway);
    return { gateway, url: gateway.url, store, dataDir, logs };
  }

  /** Closes `gateway` with the others (one a test started itself). */
  adopt(gateway: RunningGateway): RunningGateway {
    this.#gateways.push(gateway);
    return gateway;
  }

  async close(): Promise<void> {
    for (const gateway of this.#gateways) await gateway.close();
    for (const store of this.#stores) await store.close().catch(() => undefined);
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
  }
}
