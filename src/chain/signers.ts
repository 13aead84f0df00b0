// Who signs: a key from a secret URI (dev accounts, the CLI, the gateway's own key) or a
// browser wallet's injected signer. submitTx takes either.
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Signer, SignerPayloadJSON, SignerResult } from '@polkadot/types/types';
import { isHex, u8aEq } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress, keyExtractSuri, mnemonicValidate } from '@polkadot/util-crypto';
import { checkAddress, SS58_PREFIX } from './validate';

export type KeyType = 'sr25519' | 'ed25519' | 'ecdsa';

/** An account whose signatures come from elsewhere, e.g. a wallet extension. */
export interface ExternalAccount {
  readonly address: string;
  readonly signer: Signer;
}

export type TxSigner = KeyringPair | ExternalAccount;

/** The dev chain's gateway account; a real deployment sets GATEWAY_SURI. */
export const DEV_GATEWAY_URI = '//Gateway';

export function isKeyringPair(signer: TxSigner): signer is KeyringPair {
  return typeof (signer as KeyringPair).sign === 'function' && (signer as KeyringPair).publicKey instanceof Uint8Array;
}

/**
 * A key pair from a secret URI: a mnemonic or 0x seed with optional derivation (`//hard/soft`),
 * or a dev path such as `//Alice`. sr25519 unless `type` says otherwise.
 */
export async function signerFromUri(uri: string, options: { type?: KeyType } = {}): Promise<KeyringPair> {
  await cryptoWaitReady();
  const type = options.type ?? 'sr25519';
  const text = typeof uri === 'string' ? uri.trim() : '';
  // The URI is a secret: messages never repeat it.
  if (text === '') throw new Error(`the key URI is empty: ${URI_FORMS}`);
  checkSecretPhrase(text);
  try {
    return new Keyring({ type, ss58Format: SS58_PREFIX }).addFromUri(text);
  } catch (error) {
    throw new Error(`the key URI is not valid for ${type} (${(error as Error).message}): ${URI_FORMS}`);
  }
}

const URI_FORMS = 'give a 12–24 word mnemonic or a 0x-prefixed 32-byte seed, optionally followed by a derivation path, or a dev path such as //Alice';

/**
 * polkadot.js turns any short text into a seed, so a mistyped mnemonic would silently become
 * another account; only dev paths, 32-byte hex seeds and checksummed mnemonics pass.
 */
function checkSecretPhrase(uri: string): void {
  if (uri.startsWith('//') || uri.startsWith('/')) return;
  let phrase: string;
  try {
    phrase = keyExtractSuri(uri).phrase;
  } catch {
    throw new Error(`the key URI is not valid: ${URI_FORMS}`);
  }
  if (isHex(phrase, 256) || mnemonicValidate(phrase)) return;
  throw new Error(`the key URI holds neither a valid mnemonic (check the words and their order) nor a 0x 32-byte seed: ${URI_FORMS}`);
}

/**
 * The gateway's key: `uri` if given, else GATEWAY_SURI from `env`, else the dev chain's
 * //Gateway — unless `allowDevKey` is false, as it must be against a public chain.
 */
export async function gatewaySigner(options: { uri?: string; env?: Readonly<Record<string, string | undefined>>; allowDevKey?: boolean } = {}): Promise<KeyringPair> {
  const uri = options.uri ?? (options.env ?? process.env).GATEWAY_SURI;
  if (uri) return signerFromUri(uri);
  if (options.allowDevKey === false) {
    throw new Error('the gateway has no key: set GATEWAY_SURI to the secret URI of the account that space owners grant a NonTransfer proxy to');
  }
  return signerFromUri(DEV_GATEWAY_URI);
}

/**
 * A polkadot.js Signer that hands payloads to a wallet extension's injected signer, after
 * checking each payload is for the account this signer stands for.
 */
export class InjectedWalletSigner implements Signer {
  readonly #accountId: Uint8Array;
  readonly #injected: Signer;

  constructor(readonly address: string, injected: Signer) {
    this.#accountId = decodeAddress(checkAddress(address));
    this.#injected = injected;
  }

  async signPayload(payload: SignerPayloadJSON): Promise<SignerResult> {
    if (!u8aEq(decodeAddress(payload.address), this.#accountId)) {
      throw new Error(`the payload is for ${payload.address}, but this wallet signer signs for ${this.address}; sign with the matching account`);
    }
    if (!this.#injected.signPayload) throw new Error('the wallet extension cannot sign transactions (it has no signPayload); update or change the extension');
    try {
      return await this.#injected.signPayload(payload);
    } catch (error) {
      throw new Error(`the wallet did not sign the transaction for ${this.address} (${(error as Error)?.message ?? error}); approve it in the wallet extension and try again`);
    }
  }
}

/** An account signed for by a wallet extension's injected signer. */
export function walletAccount(address: string, injected: Signer): ExternalAccount {
  return { address: checkAddress(address), signer: new InjectedWalletSigner(address, injected) };
}
