// A mortal era's boundary, as a node reckons it: a transaction is checked for the block it would
// be included in, the one after the best (CheckMortality takes the era's birth from the number of
// the block being built), and it may be in blocks [birth, birth + period). The wallet API must
// refuse exactly what the dev chain refuses: with the best block at birth + period - 2 the signed
// call is still taken (and included in the era's last block); with the best block at the era's
// last block (birth + period - 1) or later, the next block is past the era, so the API refuses it
// itself with 409 STALE instead of passing it on to a 422 from the node.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { SignerPayloadJSON } from '@polkadot/types/types';
import type { MortalEra } from '@polkadot/types/interfaces';
import { hexToNumber } from '@polkadot/util';
import { signerFromUri } from '../../src/chain';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';
import { postJson } from './helpers/http';
import { signedExtrinsic } from './helpers/signing';

let chain: TestChain;
let server: WalletApiServer;
let api: string;
let ferdie: KeyringPair;

before(async () => {
  // Blocks only when asked, so the best block is exactly where the test puts it.
  chain = await startTestChain({ manualSeal: true });
  const gateway = await signerFromUri('//Gateway');
  ferdie = await signerFromUri('//Ferdie');
  server = await startWalletApiServer({ api: chain.api, port: 0, page: false, gatewayAddress: gateway.address, txTimeoutMs: 60_000, log: () => undefined });
  api = `${server.url}/api`;
});

after(async () => {
  await server?.close();
  await chain?.close();
});

async function best(): Promise<number> {
  return (await chain.api.rpc.chain.getHeader()).number.toNumber();
}

/** Seals empty blocks until the best block is number `target`. */
async function advanceTo(target: number): Promise<void> {
  const head = await best();
  assert.ok(target >= head, `the chain is already at ${head}, past ${target}`);
  if (target > head) await rpcSend(chain.api, 'dev_newBlock', [{ count: target - head }]);
  assert.equal(await best(), target);
}

/** A create-space call built by the wallet API now and signed by Ferdie, with its era's blocks. */
async function signedCall(name: string): Promise<{ extrinsic: string; birth: number; death: number }> {
  const answer = await postJson(`${api}/calls/create-space`, { signer: ferdie.address, name });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const payload = answer.body.payload as SignerPayloadJSON;
  const era = chain.api.registry.createType('ExtrinsicEra', payload.era);
  assert.ok(era.isMortalEra, 'the wallet API builds mortal calls');
  const mortal: MortalEra = era.asMortalEra;
  const checkpoint = hexToNumber(payload.blockNumber);
  const birth = mortal.birth(checkpoint);
  assert.equal(birth, checkpoint, 'the era is born at the block whose hash the payload signs');
  return { extrinsic: signedExtrinsic(chain.api, ferdie, payload), birth, death: mortal.death(checkpoint) };
}

/** What the dev chain itself says of the extrinsic at the current best block (it is not kept). */
async function nodeVerdict(extrinsic: string): Promise<string> {
  try {
    const hash = await chain.api.rpc.author.submitExtrinsic(extrinsic);
    await rpcSend(chain.api, 'author_removeExtrinsic', [[{ hash: hash.toHex() }]]);
    return 'accepted';
  } catch (error) {
    return (error as Error).message;
  }
}

async function submit(extrinsic: string) {
  return postJson(`${api}/extrinsics`, { extrinsic });
}

test('with the best block one before the era\'s last block, the wallet API and the node take the call, and it is included in that last block', { timeout: 120_000 }, async () => {
  const call = await signedCall('era-kept');
  await advanceTo(call.death - 2);
  const answer = await submit(call.extrinsic);
  assert.equal(answer.status, 202, JSON.stringify(answer.body));
  await rpcSend(chain.api, 'dev_newBlock', [{ count: 1 }]);
  const block = await chain.api.rpc.chain.getBlock();
  assert.equal(block.block.header.number.toNumber(), call.death - 1, 'the era\'s last block');
  assert.ok(block.block.extrinsics.some((x) => x.hash.toHex() === answer.body.hash), 'the call is in the era\'s last block');
});

test('with the best block at the era\'s last block, the node refuses the call for the next block, and so does the wallet API, with 409 STALE', { timeout: 120_000 }, async () => {
  const call = await signedCall('era-last');
  await advanceTo(call.death - 1);
  assert.match(await nodeVerdict(call.extrinsic), /ancient birth block/i, 'the dev chain refuses it: its era\'s birth for the next block is that very block');
  const answer = await submit(call.extrinsic);
  assert.equal(answer.status, 409, `the wallet API passed on a call the node refuses: ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.error.code, 'STALE');
  assert.equal(answer.body.error.field, 'extrinsic');
  assert.match(answer.body.error.message, new RegExp(`era ended at block ${call.death} .*build and sign the call again`));
  assert.equal((await chain.api.rpc.author.pendingExtrinsics()).length, 0, 'nothing reached the pool');
});

test('with the best block at the first block of the next era, both refuse the call, the wallet API with 409 STALE rather than a bad signature', { timeout: 120_000 }, async () => {
  const call = await signedCall('era-next');
  await advanceTo(call.death);
  assert.match(await nodeVerdict(call.extrinsic), /bad signature/i, 'the dev chain refuses it: the next block\'s era is born at a block it was not signed for');
  const answer = await submit(call.extrinsic);
  assert.equal(answer.status, 409, JSON.stringify(answer.body));
  assert.equal(answer.body.error.code, 'STALE');
  assert.match(answer.body.error.message, new RegExp(`era ended at block ${call.death} .*build and sign the call again`));
  // A fresh call built now is taken by both.
  const fresh = await signedCall('era-next');
  const again = await submit(fresh.extrinsic);
  assert.equal(again.status, 202, JSON.stringify(again.body));
  await rpcSend(chain.api, 'dev_newBlock', [{ count: 1 }]);
  const block = await chain.api.rpc.chain.getBlock();
  assert.ok(block.block.extrinsics.some((x) => x.hash.toHex() === again.body.hash), 'the fresh call is in the next block');
});
