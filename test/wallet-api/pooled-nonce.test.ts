// Two calls built back to back for one signer while the first waits in the node's pool (the dev
// chain seals blocks only when asked): the second is built with the next nonce, not the one the
// first already holds, and the node takes both; both are finalized once blocks are sealed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { SignerPayloadJSON } from '@polkadot/types/types';
import { hexToNumber } from '@polkadot/util';
import { signerFromUri } from '../../src/chain';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';
import { postJson, requestJson } from './helpers/http';
import { signedExtrinsic } from './helpers/signing';

let chain: TestChain;
let server: WalletApiServer;
let api: string;
let ferdie: KeyringPair;
let gateway: KeyringPair;

before(async () => {
  chain = await startTestChain({ manualSeal: true });
  [ferdie, gateway] = await Promise.all([signerFromUri('//Ferdie'), signerFromUri('//Gateway')]);
  server = await startWalletApiServer({ api: chain.api, port: 0, page: false, gatewayAddress: gateway.address, txTimeoutMs: 60_000, log: () => undefined });
  api = `${server.url}/api`;
});

after(async () => {
  await server?.close();
  await chain?.close();
});

async function build(action: string, body: Record<string, unknown>): Promise<SignerPayloadJSON> {
  const answer = await postJson(`${api}/calls/${action}`, { signer: ferdie.address, ...body });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.payload;
}

async function submit(payload: SignerPayloadJSON): Promise<string> {
  const answer = await postJson(`${api}/extrinsics`, { extrinsic: signedExtrinsic(chain.api, ferdie, payload) });
  assert.equal(answer.status, 202, JSON.stringify(answer.body));
  return answer.body.links.status;
}

async function final(statusPath: string): Promise<{ status: string; nonce: number }> {
  for (let i = 0; i < 120; i++) {
    const { body } = await requestJson(`${server.url}${statusPath}`);
    if (body.status === 'finalized' || body.status === 'failed') return body;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${statusPath} was neither finalized nor failed`);
}

test('a call built while the signer\'s previous one waits in the pool gets the next nonce and is accepted', { timeout: 120_000 }, async () => {
  const first = await build('create-space', { name: 'pooled' });
  const firstStatus = await submit(first);
  assert.equal((await chain.api.rpc.author.pendingExtrinsics()).length, 1, 'the first call waits in the pool');
  const second = await build('grant-gateway', {});
  assert.equal(hexToNumber(second.nonce), hexToNumber(first.nonce) + 1, 'the second call reuses the pooled call\'s nonce');
  const secondStatus = await submit(second);
  assert.equal((await chain.api.rpc.author.pendingExtrinsics()).length, 2);
  // One block holds both; the next one finalizes it.
  await rpcSend(chain.api, 'dev_newBlock', [{ count: 2 }]);
  const [a, b] = await Promise.all([final(firstStatus), final(secondStatus)]);
  assert.deepEqual([a.status, b.status, b.nonce], ['finalized', 'finalized', a.nonce + 1]);
});
