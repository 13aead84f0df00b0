// What a node reports of an applied extrinsic's weight and class. frame_system notes each
// extrinsic with its call's weight plus its class's base extrinsic weight (System.BlockWeights),
// in the ExtrinsicSuccess / ExtrinsicFailed event and in System.BlockWeight alike. Wrappers
// (sudo, sudo_as, sudo_unchecked_weight, proxy, utility's with_weight, as_derivative and batches)
// take the class of the call they wrap, so sudo of a remark is Normal and sudo of set_storage
// Operational. polkadot.js over a real WebSocket: TransactionPaymentApi_query_info and the events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { expandMetadata, Metadata, TypeRegistry } from '@polkadot/types';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';

const REAL_METADATA_PATH = path.resolve(__dirname, '../../../shared/hippius/metadata-spec9105.scale');
const keyring = new Keyring({ type: 'sr25519' });
const alice = keyring.addFromUri('//Alice');
const bob = keyring.addFromUri('//Bob');

interface WeightJson {
  refTime: number | string;
  proofSize: number | string;
}
interface Weight {
  refTime: bigint;
  proofSize: bigint;
}
const toWeight = (json: WeightJson): Weight => ({ refTime: BigInt(json.refTime), proofSize: BigInt(json.proofSize) });
const plus = (a: Weight, b: Weight): Weight => ({ refTime: a.refTime + b.refTime, proofSize: a.proofSize + b.proofSize });

/** Hippius's base extrinsic weight per class, read from the real runtime's System.BlockWeights. */
function realBaseExtrinsic(): Record<'normal' | 'operational' | 'mandatory', Weight> | undefined {
  if (!fs.existsSync(REAL_METADATA_PATH)) return undefined;
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, fs.readFileSync(REAL_METADATA_PATH));
  registry.setMetadata(metadata);
  const json = expandMetadata(registry, metadata).consts.system.blockWeights.toJSON() as unknown as { perClass: Record<string, { baseExtrinsic: WeightJson }> };
  const base = (name: string) => toWeight(json.perClass[name].baseExtrinsic);
  return { normal: base('normal'), operational: base('operational'), mandatory: base('mandatory') };
}

let t: TestChain;
const BASE = realBaseExtrinsic();

before(async () => {
  t = await startTestChain({ manualSeal: true });
});
after(async () => t.close());

const send = <T>(method: string, params: unknown[]) => rpcSend<T>(t.api, method, params);

async function signed(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair) {
  const nonce = (await t.api.rpc.system.accountNextIndex(signer.address)).toNumber();
  return tx.signAsync(signer, { nonce });
}

/** Weight, class and partial fee as TransactionPaymentApi_query_info gives them for a signed extrinsic. */
async function queryInfo(tx: SubmittableExtrinsic<'promise'>) {
  // The bytes, as polkadot.js's own paymentInfo passes them.
  const bytes = tx.toU8a();
  const info = await t.api.call.transactionPaymentApi.queryInfo(bytes, bytes.length);
  return { weight: toWeight(info.weight.toJSON() as unknown as WeightJson), class: info.class.type, partialFee: info.partialFee.toBigInt() };
}

interface Outcome {
  method: string;
  weight: Weight;
  class: string;
}

/** Each extrinsic's ExtrinsicSuccess / ExtrinsicFailed at a block, by extrinsic index. */
async function outcomes(hash: string): Promise<Outcome[]> {
  const events = await (await t.api.at(hash)).query.system.events();
  const found: Outcome[] = [];
  for (const { phase, event } of events) {
    if (event.section !== 'system' || !['ExtrinsicSuccess', 'ExtrinsicFailed'].includes(event.method)) continue;
    const info = (event.method === 'ExtrinsicSuccess' ? event.data[0] : event.data[1]) as unknown as { weight: { toJSON(): unknown }; class: { type: string } };
    found[phase.asApplyExtrinsic.toNumber()] = { method: event.method, weight: toWeight(info.weight.toJSON() as WeightJson), class: info.class.type };
  }
  return found;
}

test('an outcome event reports the call weight plus its class base extrinsic weight, as System.BlockWeight counts it', async (ctx) => {
  if (!BASE) return ctx.skip(`${REAL_METADATA_PATH} is absent: the base extrinsic weight cannot be read from the real runtime`);
  const remark = await signed(t.api.tx.system.remark('weighed'), bob);
  // Root-only, so it fails from a signed origin: ExtrinsicFailed, with the weight it declares.
  const failing = await signed(t.api.tx.utility.withWeight(t.api.tx.system.remark('x'), { refTime: 123_456_789, proofSize: 4_321 }), alice);
  const [remarkInfo, failingInfo] = [await queryInfo(remark), await queryInfo(failing)];
  await send('author_submitExtrinsic', [remark.toHex()]);
  await send('author_submitExtrinsic', [failing.toHex()]);
  const hash = await send<string>('dev_newBlock', [{}]);

  const { block } = await t.api.rpc.chain.getBlock(hash);
  const index = (tx: SubmittableExtrinsic<'promise'>) => block.extrinsics.findIndex((x) => x.toHex() === tx.toHex());
  const found = await outcomes(hash);
  assert.deepEqual(found[index(remark)], { method: 'ExtrinsicSuccess', weight: plus(remarkInfo.weight, BASE.normal), class: 'Normal' });
  assert.deepEqual(found[index(failing)], { method: 'ExtrinsicFailed', weight: plus({ refTime: 123_456_789n, proofSize: 4_321n }, BASE.normal), class: 'Normal' });
  assert.equal(found[0].class, 'Mandatory', 'the timestamp inherent');
  assert.ok(found[0].weight.refTime > BASE.mandatory.refTime, 'the inherent reports its base extrinsic weight too');

  // CheckWeight counted the same sums into the block, plus each extrinsic's length as proof size.
  const used = (await (await t.api.at(hash)).query.system.blockWeight()).toJSON() as unknown as Record<string, WeightJson>;
  const lengths = remark.encodedLength + failing.encodedLength;
  assert.deepEqual(toWeight(used.normal), plus(plus(found[index(remark)].weight, found[index(failing)].weight), { refTime: 0n, proofSize: BigInt(lengths) }));
  assert.deepEqual(toWeight(used.operational), { refTime: 0n, proofSize: 0n });
});

test('sudo, sudo_as and sudo_unchecked_weight take the class of the call they dispatch', async () => {
  const remark = t.api.tx.system.remark('as root');
  const setStorage = t.api.tx.system.setStorage([]);
  const remarkInfo = await queryInfo(await signed(remark, alice));

  const sudoRemark = await queryInfo(await signed(t.api.tx.sudo.sudo(remark), alice));
  assert.equal(sudoRemark.class, 'Normal', 'sudo of a Normal call is Normal');
  assert.ok(sudoRemark.weight.refTime > remarkInfo.weight.refTime, "sudo weighs its own part plus the call's");
  assert.equal((await queryInfo(await signed(t.api.tx.sudo.sudo(setStorage), alice))).class, 'Operational', 'set_storage is Operational, and so is sudo of it');
  assert.equal((await queryInfo(await signed(t.api.tx.sudo.sudoAs(bob.address, remark), alice))).class, 'Normal');

  const unchecked = await queryInfo(await signed(t.api.tx.sudo.sudoUncheckedWeight(remark, { refTime: 777_000, proofSize: 9 }), alice));
  assert.deepEqual([unchecked.class, unchecked.weight], ['Normal', { refTime: 777_000n, proofSize: 9n }], 'the weight given, the call’s class');
  assert.equal((await queryInfo(await signed(t.api.tx.sudo.sudoUncheckedWeight(setStorage, { refTime: 1, proofSize: 0 }), alice))).class, 'Operational');
  assert.equal((await queryInfo(await signed(t.api.tx.sudo.setKey(alice.address), alice))).class, 'Normal', 'set_key is a Normal call');

  // Sudo of an inherent is Mandatory, which no transaction may be: refused at submission.
  const mandatory = await signed(t.api.tx.sudo.sudo(t.api.tx.timestamp.set(1)), alice);
  await assert.rejects(send('author_submitExtrinsic', [mandatory.toHex()]), /1010: Invalid Transaction: Transaction dispatch is mandatory/);

  // Applied, the events report the same class.
  const tx = await signed(t.api.tx.sudo.sudo(remark), alice);
  await send('author_submitExtrinsic', [tx.toHex()]);
  const hash = await send<string>('dev_newBlock', [{}]);
  const { block } = await t.api.rpc.chain.getBlock(hash);
  const outcome = (await outcomes(hash))[block.extrinsics.findIndex((x) => x.toHex() === tx.toHex())];
  assert.deepEqual([outcome.method, outcome.class], ['ExtrinsicSuccess', 'Normal']);
});

test("utility's with_weight and batches take their calls' class", async () => {
  const remark = t.api.tx.system.remark('inner');
  const setStorage = t.api.tx.system.setStorage([]);
  const classOf = async (tx: SubmittableExtrinsic<'promise'>) => (await queryInfo(await signed(tx, alice))).class;
  assert.equal(await classOf(t.api.tx.utility.withWeight(setStorage, { refTime: 1_000, proofSize: 0 })), 'Operational');
  assert.equal(await classOf(t.api.tx.utility.withWeight(remark, { refTime: 1_000, proofSize: 0 })), 'Normal');
  assert.equal(await classOf(t.api.tx.utility.batch([setStorage, setStorage])), 'Operational', 'no Normal call in it');
  assert.equal(await classOf(t.api.tx.utility.batchAll([setStorage, remark])), 'Normal', 'one Normal call makes it Normal');
  assert.equal(await classOf(t.api.tx.utility.forceBatch([])), 'Operational', 'an empty batch has no Normal call');
  assert.equal(await classOf(t.api.tx.utility.asDerivative(0, setStorage)), 'Operational');
  assert.equal(await classOf(t.api.tx.proxy.proxy(bob.address, null, setStorage)), 'Operational');
});
