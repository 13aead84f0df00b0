// Which space owns a name is read from a listing of every space, reused until NextSpaceId grows.
// A reorg can drop the block it was read at while the new branch's NextSpaceId is no higher (it
// depends on the blocks' numbers): reused then, the listing held a space the chain no longer has,
// which owned a name another account claimed on the new branch, so the gateway would have resolved
// that name through a stranger's records. The listing is now reused only while its block is on the
// best chain. Dev chain over a real WebSocket, blocks only on request, forks by dev_newBlock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import { createSpace, signerFromUri } from '../../src/chain';
import { ChainReader } from '../../src/gateway/resolve/chain-reader';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';

let chain: TestChain;
let alice: KeyringPair;
let bob: KeyringPair;

before(async () => {
  chain = await startTestChain({ manualSeal: true, finalityLag: 10 });
  [alice, bob] = await Promise.all([signerFromUri('//Alice'), signerFromUri('//Bob')]);
});
after(async () => chain?.close());

const send = <T>(method: string, params: unknown[]) => rpcSend<T>(chain.api, method, params);

/** A signed create_space that is valid on any branch (immortal, so its era names no block). */
async function createSpaceHex(signer: KeyringPair, name: string): Promise<string> {
  const nonce = (await chain.api.rpc.system.accountNextIndex(signer.address)).toNumber();
  return (await createSpace(chain.api, name).signAsync(signer, { nonce, era: 0 })).toHex();
}

test('a name claimed on a branch a reorg dropped is owned, after it, by the space the new branch created', async () => {
  const reader = new ChainReader(chain.api);
  const parent = (await chain.api.rpc.chain.getHeader()).hash.toHex();
  // Branch one: Bob claims the name.
  await send('dev_newBlock', [{ parent, extrinsics: [await createSpaceHex(bob, 'newname')] }]);
  assert.equal((await reader.claim('newname'))?.owner.owner, bob.address, 'Bob owns it on this branch');

  // Branch two, longer, from the same parent: Alice claims the name in a block of the same number.
  await send('dev_newBlock', [{ parent, count: 2, extrinsics: [await createSpaceHex(alice, 'newname')] }]);
  const claim = await reader.claim('newname');
  assert.equal(claim?.owner.owner, alice.address, 'the space of the best chain owns the name, not the one of the dropped branch');
  assert.deepEqual(claim?.shadows, [], 'the dropped branch\'s space is gone');
});
