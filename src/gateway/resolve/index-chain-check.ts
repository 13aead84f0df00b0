// Whether the index the gateway asks (--graphql, GRAPHQL_URL) is of the gateway's own chain. An
// index of another chain (a staging index behind a production gateway, a mistyped host, a
// database kept after the chain was reset) would name that chain's owners, tags and CIDs under
// this chain's names. The processor records the genesis hash of the chain it indexes
// (indexedChain): one of another chain is refused at once, whatever the heights. A chain started
// again from the same genesis (a dev chain) is told by its blocks: a finalized block never changes
// on one chain, so the index's last finalized block (Subsquid's squidStatus) must have the hash
// this chain has at that height, and so must the block its first space was created in: an index
// of a taller chain is ahead of this one's finalized head, so its last block cannot be compared
// yet, but its first space most likely can (a chain's first spaces come early). Checked before
// the index's answers are first used and again on the next use once the verdict is a minute old
// (the URL may come to name another index): one small query a minute at most, shared by the
// uses waiting for it. An index of another chain is asked nothing else, so it fails as an
// unreachable index does (pulls resolve through chain storage, /readyz says why).
import { withDeadline } from '../../limits/deadline';
import { shownHash } from '../../chain/shown-hash';
import type { ChainReader } from './chain-reader';
import { type IndexAdmission, type IndexHttp, IndexUnavailableError, unansweredText } from './index-http';

/** How long a verdict is kept before the next use checks again. */
export const INDEX_CHAIN_CHECK_MS = 60_000;
/** The deadline (ms) of the status query, and apart from it of the chain's reads. */
const CHECK_TIMEOUT_MS = 3_000;

export type ChainBlocks = Pick<ChainReader, 'finalizedBlock' | 'blockHash' | 'genesisHash'>;

interface IndexedBlock {
  readonly height: number;
  readonly hash: string;
}

type Verdict =
  | { readonly kind: 'same' }
  /** Nothing indexed yet, the index ahead of this gateway's node, or the chain not answering: nothing to compare. */
  | { readonly kind: 'unchecked' }
  | { readonly kind: 'other'; readonly error: IndexUnavailableError };

type StatusBody = {
  data?: { indexedChainById?: { genesisHash?: string | null } | null; squidStatus?: { finalizedHeight?: number | null; finalizedHash?: string | null } | null; spaces?: { blockNumber?: number | null; blockHash?: string | null }[] | null };
  errors?: { message: string }[];
};

/** What the check compares: the index's last finalized block, and the block of its first space when the index holds it as finalized. */
interface IndexedBlocks {
  /** The genesis hash the processor recorded: absent from an index built before it recorded one (or served by an older server). */
  readonly genesis?: string;
  readonly finalized?: IndexedBlock;
  readonly firstSpace?: IndexedBlock;
}

export const INDEX_CHAIN_QUERY = '{ indexedChainById(id: "0") { genesisHash } squidStatus { finalizedHeight finalizedHash } spaces(limit: 1, orderBy: blockNumber_ASC) { blockNumber blockHash } }';
/** The same, for a GraphQL server older than the genesis record (it refuses a query that names it). */
export const INDEX_CHAIN_QUERY_WITHOUT_GENESIS = '{ squidStatus { finalizedHeight finalizedHash } spaces(limit: 1, orderBy: blockNumber_ASC) { blockNumber blockHash } }';

const isBlockHash = (hash: unknown): hash is string => typeof hash === 'string' && /^0x[0-9a-f]{64}$/i.test(hash);

export class IndexChainCheck implements IndexAdmission {
  readonly #index: IndexHttp;
  readonly #chain: ChainBlocks;
  readonly #log: (line: string) => void;
  readonly #everyMs: number;
  #verdict?: { readonly value: Verdict; readonly at: number };
  #checking?: Promise<Verdict>;
  /** The index's finalized block when it was ahead of this gateway's node: compared once the node has finalized that height. */
  #ahead?: IndexedBlock;

  constructor(index: IndexHttp, chain: ChainBlocks, log: (line: string) => void, options: { everyMs?: number } = {}) {
    this.#index = index;
    this.#chain = chain;
    this.#log = log;
    this.#everyMs = options.everyMs ?? INDEX_CHAIN_CHECK_MS;
  }

  /** Resolves when the index's answers may be used; throws IndexUnavailableError when they may not. */
  async admit(): Promise<void> {
    const verdict = await this.#current();
    if (verdict.kind === 'other') throw verdict.error;
  }

  #current(): Promise<Verdict> {
    if (this.#verdict && Date.now() - this.#verdict.at < this.#everyMs) return Promise.resolve(this.#verdict.value);
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  /** A failed status query fails the uses waiting for it (as their own query would) and is not kept. */
  async #check(): Promise<Verdict> {
    const indexed = await this.#indexedBlock();
    let verdict: Verdict;
    try {
      verdict = await withDeadline(this.#compare(indexed), CHECK_TIMEOUT_MS, `no answer within ${CHECK_TIMEOUT_MS} ms`);
    } catch {
      // The chain cannot say now: the last verdict stands (the index is what answers while the chain is down).
      verdict = this.#verdict?.value ?? { kind: 'unchecked' };
    }
    const before = this.#verdict?.value.kind;
    if (verdict.kind === 'other' && before !== 'other') this.#log(`index: ${verdict.error.message}`);
    if (verdict.kind !== 'other' && before === 'other') this.#log(`index: the index at ${this.#index.shown} no longer names another chain's block: its answers are used again`);
    this.#verdict = { value: verdict, at: Date.now() };
    return verdict;
  }

  async #compare(blocks: IndexedBlocks): Promise<Verdict> {
    const ours = this.#chain.genesisHash.toLowerCase();
    if (blocks.genesis !== undefined && blocks.genesis !== ours) {
      return { kind: 'other', error: new IndexUnavailableError(otherGenesisText(this.#index.shown, blocks.genesis, ours), { reported: true }) };
    }
    const indexed = blocks.finalized;
    const finalized = (await this.#chain.finalizedBlock()).number;
    const first = blocks.firstSpace;
    if (first && first.height <= finalized) {
      const verdict = await this.#against(first);
      if (verdict.kind === 'other') return verdict;
    }
    const ahead = this.#ahead;
    let block: IndexedBlock | undefined;
    if (indexed && indexed.height <= finalized) {
      block = indexed;
      this.#ahead = undefined;
    } else if (ahead && ahead.height <= finalized) {
      block = ahead;
      this.#ahead = indexed;
    } else {
      // The earliest block waiting is the first this node finalizes.
      this.#ahead = ahead ?? indexed;
    }
    if (!block) return { kind: 'unchecked' };
    return this.#against(block);
  }

  /** The index's block against this chain's at its height. */
  async #against(block: IndexedBlock): Promise<Verdict> {
    const onChain = await this.#chain.blockHash(block.height);
    if (onChain === undefined) return { kind: 'unchecked' };
    if (onChain.toLowerCase() === block.hash.toLowerCase()) return { kind: 'same' };
    return { kind: 'other', error: new IndexUnavailableError(otherChainText(this.#index.shown, block, onChain), { reported: true }) };
  }

  /**
   * The index's last finalized block and its first space's block, each absent when there is none
   * (nothing indexed: height -1, hash 0x) or it names no block hash (32 bytes, as the chain's) to
   * compare.
   */
  async #indexedBlock(): Promise<IndexedBlocks> {
    let answer = await this.#ask(INDEX_CHAIN_QUERY);
    if (answer.body?.errors?.some((error) => /indexedChainById/.test(error.message))) answer = await this.#ask(INDEX_CHAIN_QUERY_WITHOUT_GENESIS);
    if (!answer.ok || !answer.body?.data || answer.body.errors?.length) throw new IndexUnavailableError(unansweredText(this.#index.shown, answer));
    const recorded = answer.body.data.indexedChainById?.genesisHash;
    const genesis = isBlockHash(recorded) ? recorded.toLowerCase() : undefined;
    const { finalizedHeight: height, finalizedHash: hash } = answer.body.data.squidStatus ?? {};
    const finalized = typeof height === 'number' && height >= 0 && isBlockHash(hash) ? { height, hash } : undefined;
    const space = answer.body.data.spaces?.[0];
    // Only a space of a block the index holds as finalized: a newer one may be on a branch this chain dropped.
    const firstSpace = finalized && typeof space?.blockNumber === 'number' && space.blockNumber <= finalized.height && isBlockHash(space.blockHash) ? { height: space.blockNumber, hash: space.blockHash } : undefined;
    return { genesis, finalized, firstSpace };
  }

  #ask(query: string) {
    const body = JSON.stringify({ query, variables: {} });
    // Asked as a pull: pulls wait for it, and it must not wait behind listings.
    return this.#index.exchange(body, { timeoutMs: CHECK_TIMEOUT_MS, kind: 'pull', unchecked: true }, async (response) => ({
      status: response.status,
      ok: response.ok,
      body: (await response.json().catch(() => undefined)) as StatusBody | undefined,
    }));
  }
}

function otherGenesisText(shown: string, indexed: string, ours: string): string {
  return (
    `the index at ${shown} is of another chain: it was built from the chain whose genesis hash is ${shownHash(indexed)}, but this gateway's chain has the genesis hash ${shownHash(ours)}. ` +
    `None of its answers are used (pulls resolve through chain storage; a contested name cannot be pulled): ` +
    `point --graphql / GRAPHQL_URL at the index of this chain, or re-index: run the processor (hcr processor) against this chain's node (CHAIN_RPC) with an empty database (DB_URL)`
  );
}

function otherChainText(shown: string, block: IndexedBlock, onChain: string): string {
  return (
    `the index at ${shown} is of another chain: its finalized block #${block.height} is ${shownHash(block.hash)}, but this gateway's chain has ${shownHash(onChain)} at #${block.height}, ` +
    `and a finalized block never changes on one chain. None of its answers are used (pulls resolve through chain storage; a contested name cannot be pulled): ` +
    `point --graphql / GRAPHQL_URL at the index of this chain, or re-index: run the processor (hcr processor) against this chain's node (CHAIN_RPC) with an empty database (DB_URL)`
  );
}
