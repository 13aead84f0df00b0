// Builds one block on a parent: initialization, the Timestamp.set inherent, each signed
// extrinsic (nonce, fee, dispatch, outcome events), then System.Events and the header. The block
// hash is blake2_256 of the SCALE header, so clients that recompute it agree.
import { bnToU8a, compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import type { Call } from '@polkadot/types/interfaces';
import type { Runtime } from '../runtime/runtime';
import { addWeights, type DispatchClass, type Weight } from '../runtime/dispatch';
import { StateStore } from '../state/state-store';
import type { StateMap } from '../state/state-map';
import { readAccount, writeAccount } from '../runtime/accounts';
import { refundFee, withdrawFee } from '../runtime/currency';
import { BLOCK_HASH_COUNT } from '../runtime/pallets/system';
import { ApplyContext } from './apply-context';
import { BLOCK_WEIGHTS, BlockUsage } from './block-limits';
import { type CheckedExtrinsic, checkExtrinsic, MAX_BLOCK_EXTRINSICS_BYTES, type ValidityContext } from './check-extrinsic';
import { InvalidTransaction, UnknownTransaction } from './invalid-transaction';

export interface HeaderJson {
  parentHash: string;
  number: string;
  stateRoot: string;
  extrinsicsRoot: string;
  digest: { logs: string[] };
}

export interface BlockRecord {
  hash: string;
  number: number;
  parentHash: string;
  header: HeaderJson;
  /** Each extrinsic length-prefixed, as chain_getBlock returns them. */
  extrinsics: Uint8Array[];
  timestamp: bigint;
  state: StateMap;
  /** The storage this block changed (what persistence writes). */
  diff: [string, Uint8Array | null][];
}

export interface BuildOptions {
  timestamp: bigint;
  genesisHash: string;
  /** Hash of the parent's ancestor (or the parent itself) at a height. */
  ancestorHash(number: number): string | undefined;
  onInternalError?: (error: unknown, call: Call) => void;
}

export interface BuildResult {
  block: BlockRecord;
  included: CheckedExtrinsic[];
  /** No longer valid on this parent: removed from the pool with the reason. */
  invalid: { tx: CheckedExtrinsic; error: InvalidTransaction | UnknownTransaction }[];
  /** Valid later (future nonce, or the block was full). */
  postponed: CheckedExtrinsic[];
  /** Some ready extrinsic did not fit: another block can take it now (a future nonce cannot). */
  full: boolean;
}

export { MAX_BLOCK_EXTRINSICS_BYTES };

const AURA_ENGINE = new Uint8Array([0x61, 0x75, 0x72, 0x61]); // "aura"
const SLOT_DURATION_MS = 6_000n;

export function buildBlock(runtime: Runtime, parent: BlockRecord, candidates: CheckedExtrinsic[], options: BuildOptions): BuildResult {
  const number = parent.number + 1;
  const store = new StateStore(parent.state, runtime.codec, runtime.storageLayouts);
  const ctx = new ApplyContext(runtime, store, BigInt(number), options.onInternalError);
  const digestLogs = [u8aConcat(new Uint8Array([6]), AURA_ENGINE, compactToU8a(8), bnToU8a(options.timestamp / SLOT_DURATION_MS, { bitLength: 64 }))];
  initialize(store, number, parent.hash, digestLogs);

  const extrinsics: Uint8Array[] = [];
  // The weight an outcome event reports is what frame_system notes for the extrinsic: the call's
  // weight plus its class's base extrinsic weight (System.BlockWeights), the same sum CheckWeight
  // counted into System.BlockWeight for it.
  const applyOutcome = (weight: Weight, klass: DispatchClass, failure: { error: unknown } | null, paysFee: 'Yes' | 'No' = 'Yes') => {
    const info = { weight: addWeights(weight, BLOCK_WEIGHTS.perClass[klass].baseExtrinsic), class: klass, paysFee };
    if (failure) ctx.deposit('System', 'ExtrinsicFailed', [failure.error, info]);
    else ctx.deposit('System', 'ExtrinsicSuccess', [info]);
  };

  // What the block uses, from its base weight on; an extrinsic it has no room for waits.
  const usage = BlockUsage.forBlock();
  // The Timestamp.set inherent is always extrinsic 0.
  const timestampCall = runtime.registry.createType('Call', { callIndex: [2, 0], args: { now: options.timestamp } });
  extrinsics.push(runtime.registry.createType('Extrinsic', timestampCall).toU8a());
  usage.add(runtime.weigh(timestampCall), 'Mandatory', extrinsics[0].length);
  ctx.setPhase({ applyExtrinsic: 0 });
  applyOutcome(runtime.weigh(timestampCall), 'Mandatory', ctx.dispatch({ kind: 'none' }, timestampCall));

  const validity: ValidityContext = { genesisHash: options.genesisHash, blockNumber: number, blockHashAt: options.ancestorHash, store };
  const included: CheckedExtrinsic[] = [];
  const invalid: BuildResult['invalid'] = [];
  const postponed: CheckedExtrinsic[] = [];
  let full = false;
  for (const candidate of candidates) {
    let checked: ReturnType<typeof checkExtrinsic>;
    try {
      // Checked again on this block's state: an earlier extrinsic may have spent the fee.
      checked = checkExtrinsic(runtime, candidate.bytes, runtime.registry.createType('Extrinsic', candidate.bytes), validity);
    } catch (error) {
      if (error instanceof InvalidTransaction || error instanceof UnknownTransaction) invalid.push({ tx: candidate, error });
      else throw error;
      continue;
    }
    const dispatchClass = runtime.classify(checked.call);
    if (checked.future || !usage.fits(checked.weight, dispatchClass, checked.bytes.length)) {
      if (!checked.future) full = true;
      postponed.push(candidate);
      continue;
    }
    usage.add(checked.weight, dispatchClass, checked.bytes.length);
    ctx.setPhase({ applyExtrinsic: extrinsics.length });
    extrinsics.push(checked.bytes);
    const account = readAccount(store, checked.signer);
    writeAccount(store, checked.signer, { ...account, nonce: account.nonce + 1 });
    withdrawFee(ctx, checked.signer, checked.fee);
    const failure = ctx.dispatch({ kind: 'signed', who: checked.signer }, checked.call);
    // A call that succeeded with `Pays::No` owes the tip alone; the rest of the fee goes back.
    const paysNo = !failure && runtime.handler(checked.call).paysNoOnSuccess === true;
    const paid = paysNo ? checked.tip : checked.fee;
    refundFee(ctx, checked.signer, checked.fee - paid);
    ctx.deposit('TransactionPayment', 'TransactionFeePaid', [checked.signer, paid, checked.tip]);
    applyOutcome(checked.weight, dispatchClass, failure, paysNo ? 'No' : 'Yes');
    included.push(checked);
  }

  const events = ctx.encodedEvents();
  store.setRaw(store.item('System', 'Events').key(), u8aConcat(compactToU8a(events.length), ...events));
  store.item('System', 'EventCount').set(events.length);
  store.item('System', 'ExtrinsicCount').set(extrinsics.length);
  // What the block consumed stays readable until the next block starts, as on a node.
  store.item('System', 'BlockWeight').set({ normal: usage.weight.Normal, operational: usage.weight.Operational, mandatory: usage.weight.Mandatory });

  // frame_system's finalization moves the window of remembered hashes on (the genesis stays): the
  // block's own transactions could still name the one BlockHashCount + 1 back as their era's birth.
  const expired = BigInt(number) - BLOCK_HASH_COUNT - 1n;
  if (expired > 0n) store.item('System', 'BlockHash').remove(expired);
  const block = seal(parent, number, extrinsics, digestLogs, store, options.timestamp);
  return { block, included, invalid, postponed, full };
}

function initialize(store: StateStore, number: number, parentHash: string, digestLogs: Uint8Array[]): void {
  store.item('System', 'Number').set(number);
  store.item('System', 'ParentHash').set(parentHash);
  store.item('System', 'BlockHash').set(parentHash, number - 1);
  store.setRaw(store.item('System', 'Digest').key(), u8aConcat(compactToU8a(digestLogs.length), ...digestLogs));
}

/**
 * Completes the header. The state root commits to the parent's root and this block's changes
 * (the dev chain keeps no trie, so it serves no storage proofs); the extrinsics root commits to
 * the body.
 */
function seal(parent: BlockRecord, number: number, extrinsics: Uint8Array[], digestLogs: Uint8Array[], store: StateStore, timestamp: bigint): BlockRecord {
  const diff = store.diff();
  const diffBytes = u8aConcat(...diff.flatMap(([k, v]) => [new TextEncoder().encode(k), v ?? new Uint8Array([0xff])]));
  const stateRoot = u8aToHex(blake2AsU8a(u8aConcat(parent.header.stateRoot, diffBytes)));
  const extrinsicsRoot = u8aToHex(blake2AsU8a(u8aConcat(compactToU8a(extrinsics.length), ...extrinsics)));
  const header: HeaderJson = {
    parentHash: parent.hash,
    number: `0x${number.toString(16)}`,
    stateRoot,
    extrinsicsRoot,
    digest: { logs: digestLogs.map((l) => u8aToHex(l)) },
  };
  return { hash: headerHash(header), number, parentHash: parent.hash, header, extrinsics, timestamp, state: store.state, diff };
}

export function encodeHeader(header: HeaderJson): Uint8Array {
  return u8aConcat(
    header.parentHash,
    compactToU8a(BigInt(header.number)),
    header.stateRoot,
    header.extrinsicsRoot,
    compactToU8a(header.digest.logs.length),
    ...header.digest.logs,
  );
}

export function headerHash(header: HeaderJson): string {
  return u8aToHex(blake2AsU8a(encodeHeader(header)));
}
