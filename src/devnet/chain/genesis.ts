// The genesis block: dev accounts endowed, //Alice as the sudo key, block 0 with no body.
// Deterministic, so a data dir can always be checked against the code that reads it.
import { Keyring } from '@polkadot/keyring';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import type { Runtime } from '../runtime/runtime';
import { StateStore } from '../state/state-store';
import { StateMap } from '../state/state-map';
import { endow } from '../runtime/currency';
import { SPEC_NAME, SPEC_VERSION } from '../runtime/constants';
import { type BlockRecord, type HeaderJson, headerHash } from '../execution/block-builder';

export const DEV_ACCOUNT_URIS = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie', '//Gateway'] as const;

/** 1,000,000 hALPHA each. */
export const DEV_ENDOWMENT = 1_000_000n * 10n ** 18n;

export function devAccountIds(): Uint8Array[] {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  return DEV_ACCOUNT_URIS.map((uri) => keyring.createFromUri(uri).publicKey);
}

export function buildGenesis(runtime: Runtime): BlockRecord {
  const store = new StateStore(StateMap.empty(), runtime.codec, runtime.storageLayouts);
  const accounts = devAccountIds();
  for (const who of accounts) endow(store, who, DEV_ENDOWMENT);
  store.item('Sudo', 'Key').set(accounts[0]);
  store.item('System', 'LastRuntimeUpgrade').set({ specVersion: SPEC_VERSION, specName: SPEC_NAME });
  store.item('System', 'UpgradedToU32RefCount').set(true);
  store.item('System', 'UpgradedToTripleRefCount').set(true);
  store.item('System', 'ParentHash').set(new Uint8Array(32).fill(0x45));
  store.item('System', 'BlockHash').set(new Uint8Array(32).fill(0x45), 0);

  const entries = store.diff().map(([k, v]) => u8aConcat(k, v ?? new Uint8Array()));
  const header: HeaderJson = {
    parentHash: u8aToHex(new Uint8Array(32)),
    number: '0x0',
    stateRoot: u8aToHex(blake2AsU8a(u8aConcat(...entries))),
    extrinsicsRoot: u8aToHex(blake2AsU8a(new Uint8Array([0]))),
    digest: { logs: [] },
  };
  return { hash: headerHash(header), number: 0, parentHash: header.parentHash, header, extrinsics: [], timestamp: 0n, state: store.state, diff: store.diff() };
}
