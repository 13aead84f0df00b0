// Block weight and length, as frame_system's CheckWeight and a node's block builder apply them
// with Hippius's System.BlockWeights and System.BlockLength: an extrinsic heavier or longer than
// its class may be in one block is refused at submission (1010 ExhaustsResources); a block takes
// extrinsics while its class's share has room, and the rest wait in the pool for the next
// blocks. polkadot.js over a real WebSocket, blocks on request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { expandMetadata, Metadata, TypeRegistry } from '@polkadot/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import { BLOCK_LENGTH, BLOCK_WEIGHTS, type ClassWeights, type DispatchClass } from '../../src/devnet/execution/block-limits';
import type { Weight } from '../../src/devnet/runtime/dispatch';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';

const REAL_METADATA_PATH = path.resolve(__dirname, '../../../shared/hippius/metadata-spec9105.scale');
const EXHAUSTS = /1010: Invalid Transaction: Transaction would exhaust the block limits/;
const keyring = new Keyring({ type: 'sr25519' });
const NORMAL = BLOCK_WEIGHTS.perClass.Normal;

let t: TestChain;

before(async () => {
  t = await startTestChain({ manualSeal: true });
});
after(async () => t.close());

const send = <T>(method: string, params: unknown[]) => rpcSend<T>(t.api, method, params);
const pending = async () => (await t.api.rpc.author.pendingExtrinsics()).map((x) => x.toHex()).sort();
const nonceOf = async (who: KeyringPair) => (await t.api.rpc.system.accountNextIndex(who.address)).toNumber();

/** A signed Utility.with_weight: a Normal call declaring any weight (its dispatch fails, being root-only, but it is weighed and included). */
async function weighing(uri: string, refTime: bigint): Promise<string> {
  const signer = keyring.addFromUri(uri);
  const tx = t.api.tx.utility.withWeight(t.api.tx.system.remark('weighed'), { refTime, proofSize: 0 });
  return (await tx.signAsync(signer, { nonce: await nonceOf(signer) })).toHex();
}

async function remarkOf(uri: string, bytes: number): Promise<string> {
  const signer = keyring.addFromUri(uri);
  // A hex string is the bytes themselves (a Uint8Array would be read as SCALE).
  const tx = t.api.tx.system.remark(`0x${'07'.repeat(bytes)}`);
  return (await tx.signAsync(signer, { nonce: await nonceOf(signer) })).toHex();
}

async function blockBody(hash: string): Promise<string[]> {
  const { block } = await t.api.rpc.chain.getBlock(hash);
  return block.extrinsics.slice(1).map((x) => x.toHex());
}

test("the limits are Hippius's System.BlockWeights and System.BlockLength constants", (ctx) => {
  if (!fs.existsSync(REAL_METADATA_PATH)) return ctx.skip(`${REAL_METADATA_PATH} is absent: the limits were not checked against the real runtime`);
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, fs.readFileSync(REAL_METADATA_PATH));
  registry.setMetadata(metadata);
  const system = expandMetadata(registry, metadata).consts.system;
  type WeightJson = { refTime: number | string; proofSize: number | string };
  const weight = (json: WeightJson): Weight => ({ refTime: BigInt(json.refTime), proofSize: BigInt(json.proofSize) });
  const optional = (json: WeightJson | null) => (json === null ? undefined : weight(json));
  const real = system.blockWeights.toJSON() as unknown as {
    baseBlock: WeightJson;
    maxBlock: WeightJson;
    perClass: Record<string, { baseExtrinsic: WeightJson; maxExtrinsic: WeightJson | null; maxTotal: WeightJson | null; reserved: WeightJson | null }>;
  };
  const perClass = (name: string): ClassWeights => {
    const c = real.perClass[name];
    const limits = { baseExtrinsic: weight(c.baseExtrinsic), maxExtrinsic: optional(c.maxExtrinsic), maxTotal: optional(c.maxTotal), reserved: optional(c.reserved) };
    // `None` is an absent limit.
    return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)) as unknown as ClassWeights;
  };
  assert.deepEqual(BLOCK_WEIGHTS, {
    baseBlock: weight(real.baseBlock),
    maxBlock: weight(real.maxBlock),
    perClass: { Normal: perClass('normal'), Operational: perClass('operational'), Mandatory: perClass('mandatory') },
  });
  const length = (system.blockLength.toJSON() as { max: Record<string, number> }).max;
  assert.deepEqual(BLOCK_LENGTH, { Normal: length.normal, Operational: length.operational, Mandatory: length.mandatory } satisfies Record<DispatchClass, number>);
});

test('an extrinsic heavier than one block allows its class is refused at submission; one at the limit is taken', async () => {
  const max = NORMAL.maxExtrinsic!.refTime;
  await assert.rejects(send('author_submitExtrinsic', [await weighing('//Alice', max + 1n)]), EXHAUSTS);
  await assert.rejects(send('author_submitExtrinsic', [await weighing('//Alice', 2n ** 63n)]), EXHAUSTS);
  assert.deepEqual(await pending(), []);

  const atLimit = await weighing('//Alice', max);
  await send('author_submitExtrinsic', [atLimit]);
  assert.deepEqual(await pending(), [atLimit]);
  const block = await send<string>('dev_newBlock', [{}]);
  assert.deepEqual(await blockBody(block), [atLimit], 'alone in a block, it fits');
});

test('an extrinsic longer than a block takes of its class is refused at submission', async () => {
  const overhead = (await remarkOf('//Bob', 0)).length / 2 - 1;
  await assert.rejects(send('author_submitExtrinsic', [await remarkOf('//Bob', BLOCK_LENGTH.Normal - overhead + 8)]), EXHAUSTS);
  assert.deepEqual(await pending(), []);
});

test('a block takes extrinsics while its normal weight has room; the rest wait for the next block', async () => {
  // Each declares 40% of what normal extrinsics may weigh in all: two fit in a block, three do not.
  const share = (NORMAL.maxTotal!.refTime * 4n) / 10n;
  const txs = [await weighing('//Charlie', share), await weighing('//Dave', share), await weighing('//Eve', share)];
  for (const tx of txs) await send('author_submitExtrinsic', [tx]);

  const first = await send<string>('dev_newBlock', [{}]);
  assert.deepEqual(await blockBody(first), txs.slice(0, 2), 'the first block stops at its weight limit');
  assert.deepEqual(await pending(), [txs[2]], 'the third waits in the pool');
  const used = (await (await t.api.at(first)).query.system.blockWeight()) as unknown as { normal: { refTime: { toBigInt(): bigint } } };
  assert.equal(used.normal.refTime.toBigInt(), 2n * (share + NORMAL.baseExtrinsic.refTime), 'System.BlockWeight counts both, with their base weight');

  const second = await send<string>('dev_newBlock', [{}]);
  assert.deepEqual(await blockBody(second), [txs[2]]);
  assert.deepEqual(await pending(), []);
});

test('a block takes extrinsics while its normal length has room; the rest wait for the next block', async () => {
  const bytes = Math.floor(BLOCK_LENGTH.Normal * 0.4);
  const txs = [await remarkOf('//Charlie', bytes), await remarkOf('//Dave', bytes), await remarkOf('//Ferdie', bytes)];
  for (const tx of txs) await send('author_submitExtrinsic', [tx]);

  const first = await send<string>('dev_newBlock', [{}]);
  assert.deepEqual(await blockBody(first), txs.slice(0, 2), 'the first block stops at its length limit');
  assert.deepEqual(await pending(), [txs[2]]);
  const second = await send<string>('dev_newBlock', [{}]);
  assert.deepEqual(await blockBody(second), [txs[2]]);
});
