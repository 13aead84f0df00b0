// MultiSignature is verified for real for all three schemes: sr25519, ed25519 and ecdsa (whose
// account id is blake2_256 of the compressed public key).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { startTestChain, type TestChain } from '../helpers/devnet';

let t: TestChain;
const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');

before(async () => {
  t = await startTestChain();
});
after(async () => t.close());

// Finalized counts as in a block: the instant mode finalizes ~100 ms after inclusion, and
// polkadot.js drops an inBlock result still fetching its events when finalized arrives.
function inBlock(send: (cb: (r: { status: { isInBlock: boolean; isFinalized: boolean }; events: { event: { method: string; data: { toString(): string }[] } }[] }) => void) => Promise<unknown>) {
  return new Promise<{ event: { method: string; data: { toString(): string }[] } }[]>((resolve, reject) => {
    send(({ status, events }) => {
      if (status.isInBlock || status.isFinalized) resolve(events);
    }).catch(reject);
  });
}

for (const type of ['ed25519', 'ecdsa', 'sr25519'] as const) {
  test(`${type}: a signed extrinsic is verified and included; a tampered one is refused`, async () => {
    const pair: KeyringPair = new Keyring({ type }).addFromUri(`//Signer-${type}`);
    await inBlock((cb) => t.api.tx.balances.transferKeepAlive(pair.address, 10n ** 18n).signAndSend(alice, cb));

    const events = await inBlock((cb) => t.api.tx.system.remarkWithEvent(`signed with ${type}`).signAndSend(pair, cb));
    const remarked = events.find(({ event }) => event.method === 'Remarked');
    assert.ok(remarked, 'the extrinsic was dispatched');
    assert.equal(remarked.event.data[0].toString(), pair.address);

    const tx = await t.api.tx.system.remark('tampered').signAsync(pair);
    const bytes = tx.toU8a();
    bytes[bytes.length - 1] ^= 0x01; // the call's last byte: the signature no longer covers it
    await assert.rejects(t.api.rpc.author.submitExtrinsic(u8aToHex(bytes)), /1010: Invalid Transaction: Transaction has a bad signature/);
  });
}
