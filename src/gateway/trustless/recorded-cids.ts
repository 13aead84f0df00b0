// Which CIDs the trustless gateway serves: a gateway is not an open pinning service, so only
// content some chain record points at (a blob's or a manifest's CID: the index knows every
// record, chain storage the current ones), and the blocks inside such a DAG, which a client
// walking it asks for one by one (it learns their CIDs from the nodes above them, and so does
// this gateway, as it serves those nodes). A block asked for before this gateway served the nodes
// above it (after a restart, or by a client that spreads one DAG over several gateways) is looked
// for in the recorded files the store holds: their nodes are read once, never their leaves (and
// again when blocks learnt from them had to be forgotten for newer ones).
import type { CID } from 'multiformats/cid';
import { ipfsModules, type IpfsModules } from '../../ipfs/esm';
import { decodeFileNode, type FileNode } from '../../ipfs/file-node';
import type { ChainReader } from '../resolve/chain-reader';
import { reportedAlready } from '../resolve/index-http';
import type { RegistryIndex } from '../resolve/registry-index';
import { cidText } from '../../ipfs/cid';

/** How often chain storage may be scanned for a CID neither the index nor a past scan knew. */
const CHAIN_SCAN_INTERVAL_MS = 1_500;
/**
 * Blocks of recorded DAGs remembered (child CIDs learnt from served nodes), the oldest forgotten
 * first past it. A store of more than about 128 GiB of files has more blocks than this, and anyone
 * can record DAGs of many links; a block forgotten so is learnt again from the held files when it
 * is asked for (#learnHeldDags).
 */
const MAX_CHILDREN = 500_000;
/**
 * How often the recorded files held here may be looked through for a block asked for alone: each
 * pass scans chain storage, and what is recorded later is learnt as it is served meanwhile.
 */
const LEARN_INTERVAL_MS = 30_000;
/**
 * Nodes one pass reads at most: anyone can record a DAG, and one whose nodes link to the same
 * child over and over has few blocks but countless paths. Each node is read once per walk; a walk
 * the budget cuts short is taken up where it stopped by the next pass.
 */
const LEARN_NODES_PER_PASS = 10_000;
/** How long a request for a CID not known yet waits on a pass before it is answered from what is known. */
const LEARN_WAIT_MS = 2_000;

export interface LearnLimits {
  readonly maxChildren: number;
  readonly nodesPerPass: number;
  readonly intervalMs: number;
  readonly waitMs: number;
}

/** A walk of a recorded DAG's nodes: those still to read, and those read (each is read once). */
interface DagWalk {
  readonly root: string;
  readonly pending: CID[];
  readonly visited: Set<string>;
}

export class RecordedCids {
  readonly #chain: ChainReader;
  readonly #index?: RegistryIndex;
  readonly #log: (line: string) => void;
  readonly #roots = new Set<string>();
  readonly #children = new Set<string>();
  /** The last scan of chain storage: `at` is when it ended, undefined while it runs. */
  #scan?: { at?: number; cids: Promise<Set<string>> };
  /** A block of the local store, undefined when it does not hold it. */
  readonly #localBlock?: (cid: string) => Promise<Uint8Array | undefined>;
  /** Recorded roots whose nodes were read (held here when they were). */
  readonly #learnt = new Set<string>();
  #learning?: { at: number; done: Promise<void>; running: boolean };
  /** The walk the last pass's budget cut short: the next pass starts with it. */
  #unfinished?: DagWalk;
  readonly #limits: LearnLimits;
  /** Set when a remembered block was forgotten for a newer one: the files learnt since may have lost blocks. */
  #forgotten = false;
  /** Blocks asked for that a pass is looking for now: not the ones forgotten for others while it does. */
  readonly #wanted = new Set<string>();

  constructor(deps: {
    chain: ChainReader;
    index?: RegistryIndex;
    log: (line: string) => void;
    localBlock?: (cid: string) => Promise<Uint8Array | undefined>;
    limits?: Partial<LearnLimits>;
  }) {
    this.#chain = deps.chain;
    this.#index = deps.index;
    this.#log = deps.log;
    this.#localBlock = deps.localBlock;
    this.#limits = { maxChildren: MAX_CHILDREN, nodesPerPass: LEARN_NODES_PER_PASS, intervalMs: LEARN_INTERVAL_MS, waitMs: LEARN_WAIT_MS, ...deps.limits };
  }

  /** Whether `cid` may be served: a recorded root, or a block of a recorded DAG. */
  async allows(cid: CID): Promise<boolean> {
    const key = cidText(cid);
    if (this.#roots.has(key) || this.#children.has(key)) return true;
    if (await this.#isRecorded(cid)) {
      this.#roots.add(key);
      return true;
    }
    this.#wanted.add(key);
    try {
      await this.#learnHeldDagsFor(this.#limits.waitMs);
    } finally {
      this.#wanted.delete(key);
    }
    return this.#children.has(key);
  }

  /**
   * Whether the nodes of the recorded files held here are still being read: a pass is running, or
   * one stopped at its bound with a walk left for the next. A CID not allowed meanwhile may be
   * allowed once they are read.
   */
  get learning(): boolean {
    return this.#unfinished !== undefined || this.#learning?.running === true;
  }

  /** CIDs this gateway has just recorded on chain itself: servable before any scan or index sees them. */
  async recordedHere(cids: readonly string[]): Promise<void> {
    const m = await ipfsModules();
    for (const text of cids) {
      const cid = parseCid(m, text);
      if (cid) this.#roots.add(cidText(cid));
    }
  }

  /** The links of a node of an allowed DAG: blocks a client will ask for next. */
  allowChildren(links: readonly CID[]): void {
    const max = this.#limits.maxChildren;
    // Blocks being asked for are kept while fewer than half the places (they are few: one per request waiting).
    const keepWanted = this.#wanted.size < max / 2;
    for (const link of links) {
      const key = cidText(link);
      if (this.#children.has(key)) continue;
      while (this.#children.size >= max) {
        const oldest = this.#children.values().next().value as string;
        this.#children.delete(oldest);
        if (keepWanted && this.#wanted.has(oldest)) this.#children.add(oldest);
        else this.#forgotten = true;
      }
      this.#children.add(key);
    }
  }

  /** Waits on a pass for at most `ms`: what it learns later is there for the next request. */
  async #learnHeldDagsFor(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([this.#learnHeldDags(), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The blocks of every recorded file the store holds whose nodes were not read yet. At most one
   * pass every intervalMs, however many unknown CIDs are asked for, and a file's nodes are read
   * once while none of their blocks was forgotten: a client asking for CIDs at random costs a set
   * lookup (once forgetting began, a pass every intervalMs at most). A pass reads at most
   * nodesPerPass nodes; the walk it stops in is the first the next pass takes up.
   */
  #learnHeldDags(): Promise<void> {
    if (!this.#localBlock) return Promise.resolve();
    // One pass at a time: two would take up the same unfinished walk.
    if (this.#learning && (this.#learning.running || Date.now() - this.#learning.at < this.#limits.intervalMs)) return this.#learning.done;
    const done = (async () => {
      const m = await ipfsModules();
      const budget = { nodes: this.#limits.nodesPerPass };
      // Blocks of files learnt before were forgotten since: every held file is read again (a
      // pass's budget at a time), or a block forgotten once would never be served again.
      if (this.#forgotten) {
        this.#forgotten = false;
        this.#learnt.clear();
      }
      const unfinished = this.#unfinished;
      this.#unfinished = undefined;
      const roots = new Set([...(unfinished ? [unfinished.root] : []), ...(await this.#scanned())]);
      for (const text of roots) {
        if (this.#learnt.has(text)) continue;
        const root = parseCid(m, text);
        if (!root) continue;
        const walk = unfinished?.root === text ? unfinished : { root: text, pending: [root], visited: new Set<string>() };
        const outcome = await this.#learnDag(m, walk, budget);
        if (outcome === 'learnt') this.#learnt.add(text);
        if (outcome === 'stopped') {
          this.#unfinished = walk;
          return;
        }
      }
    })()
      .catch((error: Error) => this.#log(`trustless: could not read the recorded files held here (${error.message})`))
      .finally(() => (learning.running = false));
    const learning = { at: Date.now(), done, running: true };
    this.#learning = learning;
    return done;
  }

  /**
   * Adds the blocks under the walk's root from its nodes (raw leaves are never read), each node
   * read once. 'missing' when the store does not hold the root, 'stopped' when the budget ran out
   * first (the walk keeps its place).
   */
  async #learnDag(m: IpfsModules, walk: DagWalk, budget: { nodes: number }): Promise<'learnt' | 'missing' | 'stopped'> {
    for (let cid = walk.pending.pop(); cid; cid = walk.pending.pop()) {
      if (cid.code === m.raw.code) continue;
      const key = cidText(cid);
      if (walk.visited.has(key)) continue;
      if (budget.nodes <= 0) {
        walk.pending.push(cid);
        return 'stopped';
      }
      budget.nodes--;
      walk.visited.add(key);
      const bytes = await this.#localBlock!(cid.toString());
      if (!bytes) {
        if (key === walk.root) return 'missing';
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
      // Each child once, however many times the node links to it.
      const below = new Set<string>();
      for (const link of node.links) {
        const child = cidText(link.cid);
        if (link.cid.code === m.raw.code || walk.visited.has(child) || below.has(child)) continue;
        below.add(child);
        walk.pending.push(link.cid);
      }
    }
    return 'learnt';
  }

  async #isRecorded(cid: CID): Promise<boolean> {
    const spellings = [cidText(cid), ...(cid.code === 0x70 && cid.multihash.code === 0x12 ? [cid.toV0().toString()] : [])];
    if (this.#index) {
      try {
        if (await this.#index.isRecordedCid(spellings)) return true;
      } catch (error) {
        if (!reportedAlready(error)) this.#log(`index: ${(error as Error).message}; looking for ${cid} in chain storage`);
      }
    }
    return (await this.#scanned()).has(spellings[0]);
  }

  /**
   * Every CID chain storage points at, as CIDv1 text; scanned again at most every few seconds
   * after the last scan ended. One scan at a time: on a large chain a scan outlasts the interval,
   * and a client asking for unknown CIDs would otherwise start another every few seconds, each
   * reading the whole of chain storage, while the earlier ones still run.
   */
  #scanned(): Promise<Set<string>> {
    const last = this.#scan;
    if (last && (last.at === undefined || Date.now() - last.at < CHAIN_SCAN_INTERVAL_MS)) return last.cids;
    const cids = this.#chain.recordedCids().then(async (recorded) => {
      const m = await ipfsModules();
      const set = new Set<string>();
      for (const text of recorded) {
        const cid = parseCid(m, text);
        if (cid) set.add(cidText(cid));
      }
      return set;
    });
    const scan: { at?: number; cids: Promise<Set<string>> } = { cids };
    this.#scan = scan;
    cids.then(
      () => (scan.at = Date.now()),
      () => {
        // A failed scan is not kept: the next request tries again.
        if (this.#scan === scan) this.#scan = undefined;
      },
    );
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
