// Which CIDs the trustless gateway serves: a gateway is not an open pinning service, so only
// content some chain record points at (a blob's or a manifest's CID: the index knows every
// record, chain storage the current ones), and the blocks inside such a DAG, which a client
// walking it asks for one by one (it learns their CIDs from the nodes above them, and so does
// this gateway, as it serves those nodes).
import type { CID } from 'multiformats/cid';
import { ipfsModules, type IpfsModules } from '../../ipfs/esm';
import type { ChainReader } from '../resolve/chain-reader';
import type { RegistryIndex } from '../resolve/registry-index';

/** How often chain storage may be scanned for a CID neither the index nor a past scan knew. */
const CHAIN_SCAN_INTERVAL_MS = 1_500;
/** Blocks of recorded DAGs remembered (child CIDs learnt from served nodes). */
const MAX_CHILDREN = 500_000;

export class RecordedCids {
  readonly #chain: ChainReader;
  readonly #index?: RegistryIndex;
  readonly #log: (line: string) => void;
  readonly #roots = new Set<string>();
  readonly #children = new Set<string>();
  #scan?: { at: number; cids: Promise<Set<string>> };

  constructor(deps: { chain: ChainReader; index?: RegistryIndex; log: (line: string) => void }) {
    this.#chain = deps.chain;
    this.#index = deps.index;
    this.#log = deps.log;
  }

  /** Whether `cid` may be served: a recorded root, or a block of a recorded DAG seen on the way down. */
  async allows(cid: CID): Promise<boolean> {
    const key = cid.toV1().toString();
    if (this.#roots.has(key) || this.#children.has(key)) return true;
    if (!(await this.#isRecorded(cid))) return false;
    this.#roots.add(key);
    return true;
  }

  /** CIDs this gateway has just recorded on chain itself: servable before any scan or index sees them. */
  async recordedHere(cids: readonly string[]): Promise<void> {
    const m = await ipfsModules();
    for (const text of cids) {
      const cid = parseCid(m, text);
      if (cid) this.#roots.add(cid.toV1().toString());
    }
  }

  /** The links of a node of an allowed DAG: blocks a client will ask for next. */
  allowChildren(links: readonly CID[]): void {
    for (const link of links) {
      if (this.#children.size >= MAX_CHILDREN) this.#children.delete(this.#children.values().next().value as string);
      this.#children.add(link.toV1().toString());
    }
  }

  async #isRecorded(cid: CID): Promise<boolean> {
    const spellings = [cid.toV1().toString(), ...(cid.code === 0x70 && cid.multihash.code === 0x12 ? [cid.toV0().toString()] : [])];
    if (this.#index) {
      try {
        if (await this.#index.isRecordedCid(spellings)) return true;
      } catch (error) {
        this.#log(`index: ${(error as Error).message}; looking for ${cid} in chain storage`);
      }
    }
    return (await this.#scanned()).has(spellings[0]);
  }

  /** Every CID chain storage points at, as CIDv1 text; scanned again at most every few seconds. */
  #scanned(): Promise<Set<string>> {
    if (this.#scan && Date.now() - this.#scan.at < CHAIN_SCAN_INTERVAL_MS) return this.#scan.cids;
    const cids = this.#chain.recordedCids().then(async (recorded) => {
      const m = await ipfsModules();
      const set = new Set<string>();
      for (const text of recorded) {
        const cid = parseCid(m, text);
        if (cid) set.add(cid.toV1().toString());
      }
      return set;
    });
    this.#scan = { at: Date.now(), cids };
    cids.catch(() => (this.#scan = undefined));
    return cids;
  }
}

/** Anyone can write anything on chain; what does not parse names nothing to serve. */
function parseCid(m: IpfsModules, text: string): CID | undefined {
  try {
    return m.CID.parse(text);
  } catch {
    return undefined;
  }
}
