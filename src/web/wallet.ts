// The browser wallet through @polkadot/extension-dapp: every extension that injects
// window.injectedWeb3 (polkadot{.js}, Talisman, SubWallet) is asked for accounts, and signs
// transaction payloads (signPayload) and the docker sign-in message (signRaw).
import { web3Accounts, web3Enable, web3FromAddress } from '@polkadot/extension-dapp';
import type { SignerPayloadJSON } from '@polkadot/types/types';
import { stringToHex } from '@polkadot/util';

export const APP_NAME = 'Hippius container registry';

export interface WalletAccount {
  readonly address: string;
  readonly name?: string;
  readonly source: string;
  /** Set when the wallet keeps the account for one chain only. */
  readonly genesisHash?: string | null;
}

export class WalletError extends Error {}

export async function connectWallet(ss58Prefix: number): Promise<WalletAccount[]> {
  const extensions = await web3Enable(APP_NAME);
  if (extensions.length === 0) {
    throw new WalletError('No wallet answered. Install the polkadot{.js} extension, Talisman or SubWallet, allow this site in it, and reload the page.');
  }
  const accounts = await web3Accounts({ ss58Format: ss58Prefix });
  if (accounts.length === 0) {
    throw new WalletError(`${extensions.map((e) => e.name).join(', ')} shared no accounts with this page. Create or import an account, or allow this site to see it, then connect again.`);
  }
  return accounts.map((account) => ({ address: account.address, name: account.meta.name, source: account.meta.source, genesisHash: account.meta.genesisHash }));
}

export async function signTransaction(address: string, payload: SignerPayloadJSON): Promise<{ signature: string; signedTransaction?: string }> {
  const signer = (await web3FromAddress(address)).signer;
  if (!signer?.signPayload) throw new WalletError('This wallet cannot sign transactions. Use another wallet extension.');
  try {
    const result = await signer.signPayload(payload);
    return { signature: result.signature, signedTransaction: typeof result.signedTransaction === 'string' ? result.signedTransaction : undefined };
  } catch (error) {
    throw declined(error);
  }
}

/** Signs `message` as bytes (wallets wrap it in <Bytes>…</Bytes>, so it can never be a transaction). */
export async function signMessage(address: string, message: string): Promise<string> {
  const signer = (await web3FromAddress(address)).signer;
  if (!signer?.signRaw) throw new WalletError('This wallet cannot sign messages. Use another wallet extension.');
  try {
    return (await signer.signRaw({ address, data: stringToHex(message), type: 'bytes' })).signature;
  } catch (error) {
    throw declined(error);
  }
}

function declined(error: unknown): WalletError {
  const reason = String((error as Error)?.message ?? error);
  if (/cancel|reject|denied|declin/i.test(reason)) return new WalletError('You declined in the wallet. Nothing was sent.');
  return new WalletError(`The wallet did not sign (${reason}). Nothing was sent; try again.`);
}
