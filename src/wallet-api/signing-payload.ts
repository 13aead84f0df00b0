// What a wallet needs to sign a call: the SignerPayloadJSON polkadot.js would hand a wallet
// extension's signPayload for this signer now (nonce counting the pool, a mortal era from the
// current head, the chain's spec and genesis). It is taken from polkadot.js's own signing path,
// so it carries exactly the signed extensions the runtime declares.
import type { ApiPromise } from '@polkadot/api';
import type { Signer, SignerPayloadJSON } from '@polkadot/types/types';
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import type { Tx } from '../chain';

class PayloadCaptured extends Error {
  constructor(readonly payload: SignerPayloadJSON) {
    super('payload captured');
  }
}

const capturingSigner: Signer = {
  async signPayload(payload) {
    throw new PayloadCaptured(payload);
  },
};

export async function signingPayload(api: ApiPromise, tx: Tx, signer: string): Promise<SignerPayloadJSON> {
  // Left to itself, polkadot.js takes the nonce from chain state (or the runtime's
  // AccountNonceApi), which does not count the signer's transactions waiting in the pool: a
  // second call built right after the first was submitted would reuse its nonce and be refused.
  // The node's system_accountNextIndex counts them.
  const nonce = await api.rpc.system.accountNextIndex(signer);
  try {
    await tx.signAsync(signer, { signer: capturingSigner, nonce });
  } catch (error) {
    if (error instanceof PayloadCaptured) return error.payload;
    throw error;
  }
  throw new Error('polkadot.js signed without asking the signer for a signature');
}

/**
 * The exact bytes an account signs for `payload` (what a wallet's signPayload signs): the SCALE
 * payload, or its blake2-256 hash when longer than 256 bytes. For scripts signing without
 * polkadot.js; they send the MultiSignature (type byte + signature) as `signature`.
 */
export function signingBytes(api: ApiPromise, payload: SignerPayloadJSON): string {
  const bytes = api.registry.createType('ExtrinsicPayload', payload, { version: payload.version }).toU8a({ method: true });
  return u8aToHex(bytes.length > 256 ? blake2AsU8a(bytes) : bytes);
}

/** The signed extrinsic a wallet's signPayload answer stands for. */
export function assembleExtrinsic(api: ApiPromise, payload: SignerPayloadJSON, signature: `0x${string}`): string {
  const extrinsic = api.registry.createType('Extrinsic', { method: payload.method }, { version: payload.version });
  extrinsic.addSignature(payload.address, signature, payload);
  return extrinsic.toHex();
}
