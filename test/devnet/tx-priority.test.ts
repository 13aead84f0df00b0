// A transaction's pool priority is pallet-transaction-payment's: (tip + 1) times how many such
// transactions an empty block could hold (System.BlockWeights' max_block over the call's weight,
// the class's System.BlockLength over the extrinsic's length, whichever is fewer); Operational
// calls add their fee times OperationalFeeMultiplier, scaled the same way. A node shows it where
// a transaction tries to replace a pooled one with the same signer and nonce: it must offer a
// strictly higher priority, or is refused with both named. The limits and the multiplier are
// read from the real runtime's metadata. polkadot.js over a real WebSocket; blocks on request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { bnToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { expandMetadata, Metadata, TypeRegistry } from '@polkadot/types';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';

const REAL_METADATA_PATH = path.resolve(__dirname, '../../../shared/hippius/metadata-spec9105.scale');
const keyring = new Keyring({ type: 'sr25519' });

interface Limits {
  maxBlock: { refTime: bigint; proofSize: bigint };
  maxLength: Record<'Normal' | 'Operational', bigint>;
  operationalFeeMultiplier: bigint;
}

function realLimits(): Limits | undefined {
  if (!fs.existsSync(REAL_METADATA_PATH)) return undefined;
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, fs.readFileSync(REAL_METADATA_PATH));
  registry.setMetadata(metadata);
  const consts = expandMetadata(registry, metadata).consts;
  const weights = consts.system.blockWeights.toJSON() as unknown as { maxBlock: { refTime: number | string; proofSize: number | string } };
  const length = (consts.system.blockLength.toJSON() as { max: Record<string, number> }).max;
  return {
    maxBlock: { refTime: BigInt(weights.maxBlock.refTime), proofSize: BigInt(weights.maxBlock.proofSize) },
    maxLength: { Normal: BigInt(length.normal), Operational: BigInt(length.operational) },
    operationalFeeMultiplier: BigInt(consts.transactionPayment.operationalFeeMultiplier.toString()),
  };
}

const LIMITS = realLimits();
let t: TestChain;

before(async () => {
  t = await startTestChain({ manualSeal: true });
});
after(async () => t.close());

const send = <T>(method: string, params: unknown[]) => rpcSend<T>(t.api, method, params);
const min = (...values: bigint[]) => values.reduce((a, b) => (a < b ? a : b));
const clamp = (value: bigint, low: bigint, high: bigint) => (value < low ? low : value > high ? high : value);
/** Priorities are u64, saturating. */
const U64_MAX = (1n << 64n) - 1n;
const tooLow = (old: bigint, offered: bigint) => new RegExp(`1014: Priority is too low: \\(${old} vs ${offered}\\)`);

/** The priority pallet-transaction-payment gives a signed extrinsic, from what the runtime says of it. */
async function expectedPriority(tx: SubmittableExtrinsic<'promise'>, tip: bigint, limits: Limits): Promise<bigint> {
  const bytes = tx.toU8a();
  const info = await t.api.call.transactionPaymentApi.queryInfo(bytes, bytes.length);
  const { refTime, proofSize } = info.weight.toJSON() as unknown as { refTime: number; proofSize: number };
  const klass = info.class.type as 'Normal' | 'Operational';
  const perBlock = min(
    limits.maxBlock.refTime / clamp(BigInt(refTime), 1n, limits.maxBlock.refTime),
    limits.maxBlock.proofSize / clamp(BigInt(proofSize), 1n, limits.maxBlock.proofSize),
    limits.maxLength[klass] / clamp(BigInt(bytes.length), 1n, limits.maxLength[klass]),
  );
  const scaledTip = (tip + 1n) * perBlock;
  if (klass !== 'Operational') return min(scaledTip, U64_MAX);
  // The virtual tip: the whole fee the signer pays (partial fee and tip) times the multiplier.
  return min(scaledTip + (info.partialFee.toBigInt() + tip) * limits.operationalFeeMultiplier * perBlock, U64_MAX);
}

async function signedAt(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, nonce: number, tip = 0n) {
  return tx.signAsync(signer, { nonce, tip });
}

test('without tips the smaller of two transactions has the higher priority, and replaces the larger', async (ctx) => {
  if (!LIMITS) return ctx.skip(`${REAL_METADATA_PATH} is absent: the limits cannot be read from the real runtime`);
  const dave = keyring.addFromUri('//Dave');
  const nonce = (await t.api.rpc.system.accountNextIndex(dave.address)).toNumber();
  const pooled = await signedAt(t.api.tx.system.remark('a remark of some length'), dave, nonce);
  await send('author_submitExtrinsic', [pooled.toHex()]);

  const longer = await signedAt(t.api.tx.system.remark('a remark of some greater length'), dave, nonce);
  const [pooledPriority, longerPriority] = [await expectedPriority(pooled, 0n, LIMITS), await expectedPriority(longer, 0n, LIMITS)];
  assert.ok(longerPriority < pooledPriority);
  await assert.rejects(send('author_submitExtrinsic', [longer.toHex()]), tooLow(pooledPriority, longerPriority));

  const shorter = await signedAt(t.api.tx.system.remark('short'), dave, nonce);
  const shorterHash = await send<string>('author_submitExtrinsic', [shorter.toHex()]);
  assert.deepEqual((await t.api.rpc.author.pendingExtrinsics()).map((x) => x.hash.toHex()), [shorterHash], 'the shorter one took its place');

  // A tip outbids the shorter one: (tip + 1) scales the same number of transactions a block holds.
  const tipped = await signedAt(t.api.tx.system.remark('a remark of some greater length'), dave, nonce, 1n);
  const [shorterPriority, tippedPriority] = [await expectedPriority(shorter, 0n, LIMITS), await expectedPriority(tipped, 1n, LIMITS)];
  assert.ok(tippedPriority > shorterPriority);
  await send('author_submitExtrinsic', [tipped.toHex()]);
  assert.deepEqual((await t.api.rpc.author.pendingExtrinsics()).map((x) => x.toHex()), [tipped.toHex()]);
  await send('dev_newBlock', [{}]);
});

test('an Operational transaction adds its fee times OperationalFeeMultiplier: a tipped Normal one cannot replace it', async (ctx) => {
  if (!LIMITS) return ctx.skip(`${REAL_METADATA_PATH} is absent: the limits cannot be read from the real runtime`);
  assert.equal(t.api.consts.transactionPayment.operationalFeeMultiplier.toBigInt(), LIMITS.operationalFeeMultiplier, "the dev chain declares Hippius's multiplier");
  const alice = keyring.addFromUri('//Alice');
  const nonce = (await t.api.rpc.system.accountNextIndex(alice.address)).toNumber();
  // Large extrinsics: at 10^-3 hALPHA and more, a small one's fee times the many that fit a
  // block passes u64, where every such priority saturates alike (as on a node).
  const filler = `0x${'07'.repeat(300_000)}`;
  // Sudo of set_storage is Operational (set_storage is), sudo of a remark Normal.
  const operational = await signedAt(t.api.tx.sudo.sudo(t.api.tx.system.setStorage([['0x0102', filler]])), alice, nonce);
  await send('author_submitExtrinsic', [operational.toHex()]);

  const tip = 10n ** 12n;
  const normal = await signedAt(t.api.tx.sudo.sudo(t.api.tx.system.remark(filler)), alice, nonce, tip);
  const [operationalPriority, normalPriority] = [await expectedPriority(operational, 0n, LIMITS), await expectedPriority(normal, tip, LIMITS)];
  assert.ok(operationalPriority < U64_MAX && normalPriority < U64_MAX, 'neither saturates');
  await assert.rejects(send('author_submitExtrinsic', [normal.toHex()]), tooLow(operationalPriority, normalPriority));
  assert.deepEqual((await t.api.rpc.author.pendingExtrinsics()).map((x) => x.hash.toHex()), [operational.hash.toHex()]);
  await send('author_removeExtrinsic', [[{ hash: operational.hash.toHex() }]]);
});

test('TaggedTransactionQueue_validate_transaction gives the priority, the nonce tags and the longevity', async (ctx) => {
  if (!LIMITS) return ctx.skip(`${REAL_METADATA_PATH} is absent: the limits cannot be read from the real runtime`);
  const ferdie = keyring.addFromUri('//Ferdie');
  const nonce = (await t.api.rpc.system.accountNextIndex(ferdie.address)).toNumber();
  const best = await t.api.rpc.chain.getHeader();
  const validate = async (tx: SubmittableExtrinsic<'promise'>) => {
    // source External (2) ++ the extrinsic ++ the hash of the block to build on; as hex, which
    // polkadot.js passes as the bytes themselves.
    const args = u8aToHex(u8aConcat([2], tx.toU8a(), best.hash));
    const result = await t.api.rpc.state.call('TaggedTransactionQueue_validate_transaction', args, best.hash);
    return t.api.registry.createType('TransactionValidity', result);
  };
  const tag = (n: number) => u8aToHex(u8aConcat(ferdie.publicKey, bnToU8a(n, { bitLength: 32 })));

  const tip = 5n;
  const immortal = await t.api.tx.system.remark('validated').signAsync(ferdie, { nonce, tip, era: 0 });
  const valid = (await validate(immortal)).asOk;
  assert.equal(valid.priority.toBigInt(), await expectedPriority(immortal, tip, LIMITS));
  assert.deepEqual(valid.provides.map((x) => x.toHex()), [tag(nonce)]);
  assert.deepEqual(valid.requires.map((x) => x.toHex()), []);
  assert.equal(valid.longevity.toBigInt(), U64_MAX - (best.number.toBigInt() + 1n), 'immortal: until the end of u64 block numbers');
  assert.equal(valid.propagate.isTrue, true);

  // Mortal for 64 blocks, and a nonce ahead of the signer's: it waits for the one before.
  const mortal = await t.api.tx.system.remark('later').signAsync(ferdie, { nonce: nonce + 1, era: 64 });
  const later = (await validate(mortal)).asOk;
  assert.deepEqual(later.requires.map((x) => x.toHex()), [tag(nonce)]);
  assert.deepEqual(later.provides.map((x) => x.toHex()), [tag(nonce + 1)]);
  // Counted from the block the validation builds (the best one's child), as CheckMortality does.
  const next = best.number.toNumber() + 1;
  assert.equal(mortal.era.asMortalEra.period.toNumber(), 64);
  assert.equal(later.longevity.toNumber(), mortal.era.asMortalEra.death(next) - next);

  // Dave's nonce 0 went into a block in the first test.
  const stale = await t.api.tx.system.remark('stale').signAsync(keyring.addFromUri('//Dave'), { nonce: 0, era: 0 });
  assert.equal((await validate(stale)).asErr.asInvalid.type, 'Stale');
});

test('the pool offers the highest priority first, each signer in nonce order, and a block takes them so', async () => {
  const [bob, charlie, eve] = ['//Bob', '//Charlie', '//Eve'].map((uri) => keyring.addFromUri(uri));
  const nonceOf = async (who: KeyringPair) => (await t.api.rpc.system.accountNextIndex(who.address)).toNumber();
  // Remarks of one size: only the tips tell them apart.
  const remark = (who: KeyringPair, nonce: number, tip: bigint) => signedAt(t.api.tx.system.remark('same size'), who, nonce, tip);
  const bobNonce = await nonceOf(bob);
  const bobFirst = await remark(bob, bobNonce, 0n);
  // Bob's second pays most, but cannot go before his first.
  const bobSecond = await remark(bob, bobNonce + 1, 1_000n);
  const charlieTx = await remark(charlie, await nonceOf(charlie), 100n);
  const eveTx = await remark(eve, await nonceOf(eve), 50n);
  for (const tx of [bobFirst, bobSecond, charlieTx, eveTx]) await send('author_submitExtrinsic', [tx.toHex()]);

  const best = [charlieTx, eveTx, bobFirst, bobSecond].map((tx) => tx.toHex());
  assert.deepEqual((await t.api.rpc.author.pendingExtrinsics()).map((x) => x.toHex()), best);
  const hash = await send<string>('dev_newBlock', [{}]);
  const { block } = await t.api.rpc.chain.getBlock(hash);
  assert.deepEqual(block.extrinsics.slice(1).map((x) => x.toHex()), best);
});
