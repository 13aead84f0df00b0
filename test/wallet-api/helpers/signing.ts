// Signing as a wallet does, with a keyring pair: the payload the API built, signed for real
// (sr25519), and the signed extrinsic assembled from it.
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { SignerPayloadJSON } from '@polkadot/types/types';

export function signPayload(api: ApiPromise, pair: KeyringPair, payload: SignerPayloadJSON): `0x${string}` {
  return api.registry.createType('ExtrinsicPayload', payload, { version: payload.version }).sign(pair).signature;
}

export function signedExtrinsic(api: ApiPromise, pair: KeyringPair, payload: SignerPayloadJSON): string {
  const extrinsic = api.registry.createType('Extrinsic', { method: payload.method }, { version: payload.version });
  extrinsic.addSignature(payload.address, signPayload(api, pair, payload), payload);
  return extrinsic.toHex();
}
