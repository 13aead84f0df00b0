// Which CIDs the trustless gateway serves: a gateway is not an open pinning service, so only
// content some chain record points at (a blob's or a manifest's CID: the index knows every
// record, chain storage the current ones), and the blocks inside such a DAG, which a client
// walking it asks for one by one (it learns their CIDs from the nodes above them, and so does
// this gateway, as it serves those nodes). A block asked for before this gateway served the nodes
// above it (after a restart, or by a client that spreads one DAG over several gateways) is looked
// for in the recorded files the store holds: their nodes are read once, never their leaves.
import type { CID } from 'multiformats/cid';
import { ipfsModules, type IpfsModules } from '../../ipfs/esm';
import { decodeFileNode, type FileNode } from '../../ipfs/file-node';
import type { ChainReader } from '../resolve/chain-reader';
import type { RegistryIndex } from '../resolve/registry-index';

/** How often chain storage may be scanned for a CID neither the index nor a past scan knew. */
const CHAIN_SCAN_INTERVAL_MS = 1_500;
/** Blocks of recorded DAGs remembered (child CIDs learnt from served nodes). */
const MAX_CHILDREN = 500_000;
/**
 * How often the recorded files held here may be looked through for a block asked for alone: each
 * pass scans chain storage, and what is recorded later is learnt as it is served meanwhile.
 */
const LEARN_INTERVAL_MS = 30_000;

export class RecordedCids {
  readonly #chain: ChainReader;
  readonly #index?: RegistryIndex;
  readonly #log: (line: string) => void;
  readonly #roots = new Set<string>();
  readonly #children = new Set<string>();
  #scan?: { at: number; cids: Promise<Set<string>> };
  /** A block of the local store, undefined when it does not hold it. */
  readonly #localBlock?: (cid: string) => Promise<Uint8Array | undefined>;
  /** Recorded roots whose nodes were read (held here when they were). */
  readonly #learnt = new Set<string>();
  #learning?: { at: number; done: Promise<void> };

  constructor(deps: { chain: ChainReader; index?: RegistryIndex; log: (line: string) => void; localBlock?: (cid: string) => Promise<Uint8Array | undefined> }) {
    this.#chain = deps.chain;
    this.#index = deps.index;
    this.#log = deps.log;
    this.#localBlock = deps.localBlock;
  }

  /** Whether `cid` may be served: a recorded root, or a block of a recorded DAG. */
  async allows(cid: CID): Promise<boolean> {
    const key = cid.toV1().toString();
    if (this.#roots.has(key) || this.#children.has(key)) return true;
    if (await this.#isRecorded(cid)) {
      this.#roots.add(key);
      return true;
    }
    await this.#learnHeldDags();
    return this.#children.has(key);
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

  /**
   * The blocks of every recorded file the store holds whose nodes were not read yet. At most one
   * pass every LEARN_INTERVAL_MS, however many unknown CIDs are asked for, and a file's nodes are
   * read once: a client asking for CIDs at random costs a set lookup.
   */
  #learnHeldDags(): Promise<void> {
    if (!this.#localBlock) return Promise.resolve();
    if (this.#learning && Date.now() - this.#learning.at < LEARN_INTERVAL_MS) return this.#learning.done;
    const done = (async () => {
      const m = await ipfsModules();
      for (const text of await this.#scanned()) {
        if (this.#learnt.has(text) || this.#children.size >= MAX_CHILDREN) continue;
        const root = parseCid(m, text);
        if (root && (await this.#learnDag(m, root))) this.#learnt.add(text);
      }
    })().catch((error: Error) => this.#log(`trustless: could not read the recorded files held here (${error.message})`));
    this.#learning = { at: Date.now(), done };
    return done;
  }

  /** Adds the blocks under `root` from its nodes (raw leaves are never read); false when the store does not hold the root. */
  async #learnDag(m: IpfsModules, root: CID): Promise<boolean> {
    if (root.code === m.raw.code) return true;
    const nodes = [root];
    for (let cid = nodes.pop(); cid; cid = nodes.pop()) {
      const bytes = await this.#localBlock!(cid.toString());
      if (!bytes) {
        if (cid === root) return false;
        continue;
      }
      let node: FileNode;
      try {
        node = decodeFileNode(m, cid, bytes);
      } catch {
        // Not a UnixFS node (anything can be recorded): nothing below it to serve.
        continue;
      }
      if (node.kind !== 'file') continue;
      this.allowChildren(node.links.map((link) => link.cid));
      for (const link of node.links) if (link.cid.code !== m.raw.code) nodes.push(link.cid);
    }
    return true;
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
