// The development chain: runtime, block tree, transaction pool, block production (instant or
// interval), finality lag, forks on request, and persistence. The RPC layer talks only to this.
import { EventEmitter } from 'node:events';
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { Runtime } from '../runtime/runtime';
import { StateStore } from '../state/state-store';
import { type BlockRecord, buildBlock } from '../execution/block-builder';
import { type CheckedExtrinsic, checkExtrinsic, decodeExtrinsic } from '../execution/check-extrinsic';
import { transactionPriority } from '../execution/priority';
import { alreadyImported, immediatelyDropped, InvalidTransaction, priorityTooLow, temporarilyBanned, UnknownTransaction } from '../execution/invalid-transaction';
import { RpcError } from '../rpc/types';
import { readAccount } from '../runtime/accounts';
import { BlockTree, type HeadChange } from './block-tree';
import { ChainLog } from './chain-log';
import { restore } from './restore';
import { buildGenesis } from './genesis';
import { TxBans } from './tx-bans';
import { BlockWatchers } from './block-watchers';
import { TxPool, type TxWatcher } from './tx-pool';

/**
 * In instant mode, the block that only advances finality waits this long: polkadot.js drops an
 * "in block" status it is still resolving when "finalized" arrives, so the two must not be
 * back to back.
 */
const FINALITY_BLOCK_DELAY_MS = 100;

/**
 * What a reorg does with the transactions of the blocks it retracts that the new best chain does
 * not hold: `resubmit` puts them back into the pool, re-validated on the new best block, as a
 * node's pool does; `drop` forgets them, so that a test decides alone what each branch holds.
 */
export type RetractedPolicy = 'drop' | 'resubmit';

export interface DevChainOptions {
  /** Where blocks are kept across restarts; in memory only when absent. */
  dataDir?: string;
  /** 0: a block as soon as transactions wait (instant); otherwise one block every N ms. */
  blockTimeMs?: number;
  /** How many blocks finality trails the best block (default 1). */
  finalityLag?: number;
  /** No automatic blocks at all: only dev_newBlock builds them (for tests that need control). */
  manualSeal?: boolean;
  log?: (message: string) => void;
}

interface ChainEvents {
  /** A new best block (also after a reorg). */
  bestChanged: [HeadChange];
  /** Any newly imported block, on any branch. */
  imported: [BlockRecord];
  finalized: [BlockRecord];
}

export class DevChain extends EventEmitter<ChainEvents> {
  readonly pool = new TxPool();
  /** Included and invalid transactions' hashes, refused for a while as a node does (tx-bans.ts). */
  readonly bans = new TxBans();
  readonly #inBlock = new BlockWatchers();
  readonly #log?: ChainLog;
  #timer: NodeJS.Timeout | undefined;
  #scheduled = false;
  #delayed: NodeJS.Timeout | undefined;
  #closed = false;
  /** Instant mode keeps building until this block is final, so watchers see finality. */
  #finalityTarget = 0;

  private constructor(
    readonly runtime: Runtime,
    readonly tree: BlockTree,
    readonly options: Required<Omit<DevChainOptions, 'dataDir'>> & { dataDir?: string },
    log?: ChainLog,
  ) {
    super();
    // Every RPC subscription is a listener here; their number is bounded by the RPC server's
    // limits (connections × subscriptions per connection), not by EventEmitter's leak warning.
    this.setMaxListeners(0);
    this.#log = log;
  }

  static async open(options: DevChainOptions = {}): Promise<DevChain> {
    await cryptoWaitReady();
    const runtime = new Runtime();
    const genesis = buildGenesis(runtime);
    const tree = new BlockTree(genesis);
    const resolved = { blockTimeMs: options.blockTimeMs ?? 0, finalityLag: options.finalityLag ?? 1, manualSeal: options.manualSeal ?? false, log: options.log ?? (() => undefined), dataDir: options.dataDir };
    const log = options.dataDir ? new ChainLog(options.dataDir) : undefined;
    if (log) restore(log, tree, genesis);
    const chain = new DevChain(runtime, tree, resolved, log);
    if (resolved.blockTimeMs > 0 && !resolved.manualSeal) chain.#timer = setInterval(() => chain.#produceSafely(), resolved.blockTimeMs);
    return chain;
  }

  get genesisHash(): string {
    return this.tree.genesis.hash;
  }

  /** A read-only view of storage at a block. */
  storeAt(block: BlockRecord): StateStore {
    return new StateStore(block.state, this.runtime.codec, this.runtime.storageLayouts);
  }

  /** Validates and pools an extrinsic; returns its hash or throws the RPC error a node gives. */
  submit(bytes: Uint8Array, watcher?: TxWatcher): string {
    if (this.#closed) throw new RpcError(-32603, 'The dev chain is shutting down.');
    // As a node: a known hash is answered before the transaction is decoded or validated.
    const hash = extrinsicHash(bytes);
    if (this.bans.isBanned(hash)) throw temporarilyBanned();
    if (this.pool.has(hash)) throw alreadyImported();
    const checked = this.#check(this.tree.best, bytes);
    this.#admit(checked, watcher);
    if (this.options.blockTimeMs === 0) this.#schedule();
    return checked.hash;
  }

  /** The pool's ready transactions as author_pendingExtrinsics lists them. */
  pendingExtrinsics(): string[] {
    const store = this.storeAt(this.tree.best);
    return this.pool.readyHexes((signer) => readAccount(store, signer).nonce);
  }

  /** The nonce a signer should use next, counting its pooled transactions (system_accountNextIndex). */
  nextNonce(who: Uint8Array): number {
    return this.pool.nextNonce(who, readAccount(this.storeAt(this.tree.best), who).nonce);
  }

  /**
   * Removes transactions from the pool as invalid, as a node does when a block finds them so,
   * when their mortality ends, or on author_removeExtrinsic: the given hashes are banned, and the
   * signer's transactions that waited on one of them leave with it (not banned: they may be valid
   * again once resigned nonces fill the gap). Every watcher hears "invalid". Returns the hashes
   * removed.
   */
  removeInvalid(hashes: readonly string[]): string[] {
    this.bans.ban(hashes);
    const removed: string[] = [];
    for (const hash of hashes) {
      const tx = this.pool.get(hash);
      if (!tx) continue;
      const stateNonce = readAccount(this.storeAt(this.tree.best), tx.signer).nonce;
      for (const gone of [hash, ...this.pool.dependents(hash, stateNonce)]) {
        const watcher = this.pool.take(gone);
        watcher?.update('invalid');
        watcher?.close();
        removed.push(gone);
      }
    }
    return removed;
  }

  /** Builds one block on the best block from the pool. */
  produceBlock(): BlockRecord {
    const parent = this.tree.best;
    const result = buildBlock(this.runtime, parent, this.pool.candidates(), this.#buildOptions(parent));
    for (const { tx, error } of result.invalid) this.options.log(`dropped ${tx.hash}: ${error.message}`);
    this.removeInvalid(result.invalid.map(({ tx }) => tx.hash));
    this.#import(result.block);
    if (result.included.length) this.#finalityTarget = Math.max(this.#finalityTarget, result.block.number);
    // The included transactions leave the pool as the new best block is applied.
    this.#applyHeadChange({ best: result.block, retracted: [], enacted: [result.block] });
    if (this.options.blockTimeMs === 0) {
      // Only a block that ran out of room calls for another one at once. A future-nonce
      // transaction stays postponed until its gap is filled (which schedules a block itself);
      // building for it would make one such submission spin out empty blocks without end.
      if (result.full) this.#schedule();
      else if (this.tree.finalized.number < this.#finalityTarget) this.#schedule(FINALITY_BLOCK_DELAY_MS);
    }
    return result.block;
  }

  /**
   * Builds `count` blocks on `parentHash` (an unfinalized block, or the finalized one) and makes
   * the last one best: a fork when the parent is not the best block. The first new block
   * carries `extrinsics`; pooled transactions are not used. The transactions of the blocks a
   * fork retracts are dropped (a test controls exactly what each branch holds) or, with
   * `resubmit`, go back into the pool as on a node.
   */
  fork(parentHash: string, count: number, extrinsics: Uint8Array[] = [], retracted: RetractedPolicy = 'drop'): BlockRecord {
    let parent = this.tree.get(parentHash);
    if (!parent) throw new RpcError(-32602, `Block ${parentHash} not found`);
    if (parent.number < this.tree.finalized.number || !this.#descendsFromFinalized(parent)) {
      throw new RpcError(-32602, `Block #${parent.number} ${parentHash} is not on the finalized chain or above it; fork from block #${this.tree.finalized.number} or later.`);
    }
    // Blocks that extend the best block become best as they are added; announce them all.
    const extended: BlockRecord[] = [];
    for (let i = 0; i < count; i++) {
      const candidates = i === 0 ? extrinsics.map((bytes) => this.#check(parent!, bytes)) : [];
      const result = buildBlock(this.runtime, parent, candidates, this.#buildOptions(parent));
      if (result.invalid.length) throw new RpcError(1010, 'Invalid Transaction', result.invalid[0].error.message);
      if (this.#import(result.block)) extended.push(result.block);
      parent = result.block;
    }
    this.#applyHeadChange(extended.length ? { best: parent, retracted: [], enacted: extended } : this.tree.setHead(parent.hash), retracted);
    return parent;
  }

  /** Makes a known block best (dev_setHead); `retracted` as for fork. */
  setHead(hash: string, retracted: RetractedPolicy = 'drop'): BlockRecord {
    this.#applyHeadChange(this.tree.setHead(hash), retracted);
    return this.tree.best;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#delayed) clearTimeout(this.#delayed);
    this.#inBlock.closeAll();
    this.#log?.close();
  }

  #buildOptions(parent: BlockRecord) {
    const now = BigInt(Date.now());
    let timestamp = now > parent.timestamp ? now : parent.timestamp + 1n;
    // Two siblings built in the same millisecond would be the same block; keep forks distinct.
    while (this.tree.children(parent.hash).some((b) => b.timestamp === timestamp)) timestamp += 1n;
    return {
      timestamp,
      genesisHash: this.genesisHash,
      ancestorHash: (n: number) => this.tree.ancestorAt(parent, n)?.hash,
      onInternalError: (error: unknown) => this.options.log(`internal error in a call handler: ${(error as Error).stack ?? error}`),
    };
  }

  /** Decodes and checks an extrinsic for a block built on `parent`; failures as RPC errors. */
  #check(parent: BlockRecord, bytes: Uint8Array): ReturnType<typeof checkExtrinsic> {
    try {
      return checkExtrinsic(this.runtime, bytes, decodeExtrinsic(this.runtime, bytes), {
        genesisHash: this.genesisHash,
        blockNumber: parent.number + 1,
        blockHashAt: (n) => this.tree.ancestorAt(parent, n)?.hash,
        store: this.storeAt(parent),
      });
    } catch (error) {
      if (error instanceof InvalidTransaction || error instanceof UnknownTransaction) throw error.toRpcError();
      throw error;
    }
  }

  #priority(tx: CheckedExtrinsic): bigint {
    return transactionPriority(tx, this.runtime.classify(tx.call));
  }

  #descendsFromFinalized(block: BlockRecord): boolean {
    return this.tree.ancestorAt(block, this.tree.finalized.number)?.hash === this.tree.finalized.hash;
  }

  /** Adds a block to the tree; true when it became the best block by extending it. */
  #import(block: BlockRecord): boolean {
    const extended = this.tree.add(block) !== null;
    this.#log?.writeBlock(block);
    this.emit('imported', block);
    return extended;
  }

  /**
   * Pools a checked transaction as a node's pool imports it, or throws the RPC error it gives.
   * One transaction per signer and nonce: a later one takes the place of the pooled one only with
   * a strictly higher priority (a higher tip); the one replaced hears "usurped".
   */
  #admit(checked: CheckedExtrinsic & { future: boolean }, watcher?: TxWatcher): void {
    const rival = this.pool.sameNonce(checked);
    const priority = this.#priority(checked);
    if (rival) {
      const old = this.#priority(rival);
      if (priority <= old) throw priorityTooLow(old, priority);
    }
    // Future: a nonce gap remains even counting the signer's pooled transactions.
    const future = checked.future && this.pool.nextNonce(checked.signer, readAccount(this.storeAt(this.tree.best), checked.signer).nonce) < checked.nonce;
    if (this.pool.isFull(checked.bytes.length, future, rival?.hash)) throw immediatelyDropped();
    if (rival) {
      const usurped = this.pool.take(rival.hash);
      usurped?.update({ usurped: checked.hash });
      usurped?.close();
    }
    this.pool.add(checked, watcher, future, priority);
    watcher?.update(future ? 'future' : 'ready');
  }

  /**
   * Applies a new best block to the pool and the watchers, in a node's order: the retracted
   * blocks' watchers hear "retracted"; the transactions of the new best chain leave the pool (or
   * the retracted set) and their watchers hear "inBlock"; then what the retracted blocks held and
   * the new chain does not is dropped or resubmitted (`retracted`). Bans follow: a node bans what
   * its best chain includes and takes back what retracted blocks held.
   */
  #applyHeadChange(change: HeadChange, retracted: RetractedPolicy = 'drop'): void {
    const followed = new Map<string, TxWatcher>();
    for (const block of change.retracted) {
      for (const [hash, watcher] of this.#inBlock.take(block.hash)) {
        watcher.update({ retracted: block.hash });
        followed.set(hash, watcher);
      }
      this.bans.lift(signedHashes(block));
    }
    const onBestChain = new Set<string>();
    for (const block of change.enacted) {
      const hashes = signedHashes(block);
      this.bans.ban(hashes);
      for (const hash of hashes) {
        onBestChain.add(hash);
        const watcher = this.pool.has(hash) ? this.pool.take(hash) : followed.get(hash);
        followed.delete(hash);
        if (!watcher) continue;
        this.#inBlock.add(block.hash, hash, watcher);
        watcher.update({ inBlock: block.hash });
      }
    }
    if (retracted === 'resubmit') this.#resubmit(change.retracted, onBestChain, followed);
    else {
      for (const watcher of followed.values()) {
        watcher.update('dropped');
        watcher.close();
      }
    }
    this.emit('bestChanged', change);
    const newlyFinal = this.tree.finalizeTo(change.best.number - this.options.finalityLag);
    this.#log?.writeHead(this.tree.best.hash, this.tree.finalized.hash);
    for (const block of newlyFinal) {
      for (const watcher of this.#inBlock.take(block.hash).values()) {
        watcher.update({ finalized: block.hash });
        watcher.close();
      }
    }
    if (newlyFinal.length) this.emit('finalized', this.tree.finalized);
  }

  /**
   * Puts the retracted blocks' transactions that the new best chain does not hold back into the
   * pool, oldest block first, checked again on the new best block (sc-transaction-pool's
   * resubmission: no ban check, since the retracted block's inclusion banned them). Their
   * watchers carry on ("ready", later "inBlock"); one now invalid is banned and its watcher hears
   * "invalid"; one the pool refuses otherwise (a rival with a higher tip, a full pool) "dropped".
   */
  #resubmit(blocks: readonly BlockRecord[], onBestChain: ReadonlySet<string>, watchers: ReadonlyMap<string, TxWatcher>): void {
    let ready = false;
    for (const block of [...blocks].sort((a, b) => a.number - b.number)) {
      for (const bytes of block.extrinsics.slice(1)) {
        const hash = extrinsicHash(bytes);
        if (onBestChain.has(hash)) continue;
        const watcher = watchers.get(hash);
        try {
          this.#admit(this.#check(this.tree.best, bytes), watcher);
          ready = true;
        } catch (error) {
          const invalid = error instanceof RpcError && error.code === 1010;
          if (invalid) this.bans.ban([hash]);
          this.options.log(`dropped ${hash} of retracted block #${block.number}: ${(error as Error).message}${error instanceof RpcError && error.data ? `: ${error.data}` : ''}`);
          watcher?.update(invalid ? 'invalid' : 'dropped');
          watcher?.close();
        }
      }
    }
    if (ready && this.options.blockTimeMs === 0) this.#schedule();
  }

  /** Schedules the next block; a transaction arriving cuts a finality-only pause short. */
  #schedule(delayMs = 0): void {
    if (this.#closed || this.options.manualSeal) return;
    if (this.#scheduled) {
      if (delayMs > 0 || !this.#delayed) return;
      clearTimeout(this.#delayed);
    }
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.#delayed = undefined;
      this.#produceSafely();
    };
    if (delayMs === 0) setImmediate(run);
    else this.#delayed = setTimeout(run, delayMs).unref();
  }

  #produceSafely(): void {
    if (this.#closed) return;
    try {
      this.produceBlock();
    } catch (error) {
      this.options.log(`block production failed: ${(error as Error).stack ?? error}`);
    }
  }
}

function extrinsicHash(bytes: Uint8Array): string {
  return u8aToHex(blake2AsU8a(bytes));
}

/** The hashes of a block's extrinsics after the Timestamp.set inherent. */
function signedHashes(block: BlockRecord): string[] {
  return block.extrinsics.slice(1).map(extrinsicHash);
}
