import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

export type DevAccounts = Record<'alice' | 'bob' | 'charlie' | 'dave' | 'eve' | 'ferdie' | 'gateway', KeyringPair>;

export async function devAccounts(): Promise<DevAccounts> {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const pair = (name: string) => keyring.addFromUri(`//${name}`);
  return { alice: pair('Alice'), bob: pair('Bob'), charlie: pair('Charlie'), dave: pair('Dave'), eve: pair('Eve'), ferdie: pair('Ferdie'), gateway: pair('Gateway') };
}
