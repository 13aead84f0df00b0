// Everything a submitted extrinsic must pass before it is sent to the node: it decodes for this
// runtime with no bytes left over, it is signed, its call is one of the allowed actions, its
// signature is the signer's over this chain's payload, and its nonce and era are current.
// A refused extrinsic never reaches the node.
import type { ApiPromise } from '@polkadot/api';
import type { Extrinsic } from '@polkadot/types/interfaces';
import type { Bytes } from '@polkadot/types';
import { blake2AsU8a, signatureVerify } from '@polkadot/util-crypto';
import { checkAddress } from '../chain';
import { type ActionContext, type ActionName, actionOfCall } from './actions';
import { ApiError, invalidField } from './errors';
import { refuseTakenName } from './name-check';
import type { SpaceDirectory } from '../gateway/resolve/space-directory';

export interface CheckedExtrinsic {
  readonly hex: string;
  readonly hash: string;
  readonly signer: string;
  readonly nonce: number;
  readonly action: ActionName;
  readonly extrinsic: Extrinsic;
}

const MAX_EXTRINSIC_BYTES = 64 * 1024;
const BUILD_HINT = 'build the call with POST /api/calls/{action}, sign its payload with the wallet, and send the result';

/** `field` names where the extrinsic came from: `extrinsic`, or `signature` when the API assembled it. */
export async function checkExtrinsic(ctx: ActionContext, spaces: SpaceDirectory, hex: unknown, field = 'extrinsic'): Promise<CheckedExtrinsic> {
  const extrinsic = decode(ctx.api, hex, field);
  if (!extrinsic.isSigned) throw new ApiError(400, 'NOT_SIGNED', `the extrinsic is not signed: ${BUILD_HINT}`, field);
  const action = actionOfCall(ctx, extrinsic.method);
  if (action === 'create-space') await refuseTakenName(spaces, (extrinsic.method.args[0] as Bytes).toU8a(true), field);
  const signer = signerOf(extrinsic, field);
  await verifySignature(ctx.api, extrinsic, signer, field);
  const nonce = extrinsic.nonce.toNumber();
  const next = (await ctx.api.rpc.system.accountNextIndex(signer)).toNumber();
  if (nonce < next) throw new ApiError(409, 'STALE', `the extrinsic's nonce ${nonce} was already used by ${signer} (the next is ${next}): build and sign the call again`, field);
  if (nonce > next) throw new ApiError(409, 'STALE', `the extrinsic's nonce ${nonce} is ahead of ${signer}'s next nonce ${next}, so it would wait in the pool: build and sign the call again`, field);
  return { hex: extrinsic.toHex(), hash: extrinsic.hash.toHex(), signer, nonce, action, extrinsic };
}

function decode(api: ApiPromise, hex: unknown, field: string): Extrinsic {
  if (typeof hex !== 'string') throw invalidField(field, `${field} must be a string of 0x-prefixed hex, the SCALE-encoded signed extrinsic: ${BUILD_HINT}`);
  if (!/^0x(?:[0-9a-fA-F]{2})+$/.test(hex)) throw new ApiError(400, 'MALFORMED_EXTRINSIC', `${field} is not 0x-prefixed hex with an even number of digits: send the signed extrinsic's bytes as hex, for example "0x4102…"`, field);
  if ((hex.length - 2) / 2 > MAX_EXTRINSIC_BYTES) throw new ApiError(400, 'MALFORMED_EXTRINSIC', `${field} is larger than ${MAX_EXTRINSIC_BYTES} bytes, far more than any action here needs: ${BUILD_HINT}`, field);
  let extrinsic: Extrinsic;
  try {
    extrinsic = api.registry.createType('Extrinsic', hex);
  } catch (error) {
    throw new ApiError(400, 'MALFORMED_EXTRINSIC', `${field} does not decode as an extrinsic of this chain (${firstLine(error)}): ${BUILD_HINT}`, field);
  }
  // Leftover or missing bytes mean the hex is not exactly one extrinsic.
  if (extrinsic.toHex() !== hex.toLowerCase()) {
    throw new ApiError(400, 'MALFORMED_EXTRINSIC', `${field} holds ${(hex.length - 2) / 2} bytes but the extrinsic in it is ${extrinsic.encodedLength}: send exactly one extrinsic, nothing before or after it`, field);
  }
  return extrinsic;
}

async function verifySignature(api: ApiPromise, extrinsic: Extrinsic, signer: string, field: string): Promise<void> {
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  // A node checks a transaction for the block it would go in, the one after the best:
  // CheckMortality takes the era's birth from the number of the block being built. Reckoned from
  // the best block, an era's last block (birth + period - 1) as best still passed here, and the
  // node then refused the extrinsic (its birth for the next block is that very block).
  const next = head + 1;
  const era = extrinsic.era;
  if (!era.isMortalEra) {
    if (await signedOver(api, extrinsic, signer, 0)) return;
  } else {
    const mortal = era.asMortalEra;
    const birth = mortal.birth(next);
    // Born at the block being built, the era is one the signer cannot have signed (its hash is
    // not known yet): any signature is over an earlier one.
    if (birth < next && (await signedOver(api, extrinsic, signer, birth))) return;
    const before = birth - mortal.period.toNumber();
    if (before >= 0 && (await signedOver(api, extrinsic, signer, before))) {
      throw new ApiError(409, 'STALE', `the extrinsic's era ended at block ${birth} (the chain is at ${head}, so the next block is ${next}): build and sign the call again`, field);
    }
  }
  throw new ApiError(400, 'BAD_SIGNATURE', `the signature is not ${signer}'s over this call for this chain (genesis ${api.genesisHash.toHex()}, spec ${api.runtimeVersion.specVersion.toString()}): sign the payload from POST /api/calls/{action} with that account and send the signature unchanged`, field);
}

/** Whether the extrinsic's signature is `signer`'s over its payload with the era born at block `birth`. */
async function signedOver(api: ApiPromise, extrinsic: Extrinsic, signer: string, birth: number): Promise<boolean> {
  const blockHash = await api.rpc.chain.getBlockHash(birth);
  const signature = extrinsic.inner.signature as unknown as { mode?: unknown; assetId?: unknown; multiSignature: { toU8a(): Uint8Array } };
  const payload = api.registry.createType(
    'ExtrinsicPayload',
    {
      method: extrinsic.method.toHex(),
      era: extrinsic.era,
      nonce: extrinsic.nonce,
      tip: extrinsic.tip,
      mode: signature.mode,
      assetId: signature.assetId,
      specVersion: api.runtimeVersion.specVersion,
      transactionVersion: api.runtimeVersion.transactionVersion,
      genesisHash: api.genesisHash,
      blockHash,
    },
    { version: extrinsic.version & 0x7f },
  );
  const bytes = payload.toU8a({ method: true });
  // Substrate signs the blake2-256 hash of payloads longer than 256 bytes.
  const message = bytes.length > 256 ? blake2AsU8a(bytes) : bytes;
  try {
    return signatureVerify(message, signature.multiSignature.toU8a(), signer).isValid;
  } catch {
    return false;
  }
}

function signerOf(extrinsic: Extrinsic, field: string): string {
  try {
    return checkAddress(extrinsic.signer.toString(), field);
  } catch {
    throw new ApiError(400, 'BAD_SIGNATURE', `the extrinsic's signer ${extrinsic.signer.toString()} is not an account id: sign with an account (MultiAddress::Id)`, field);
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0].slice(0, 200);
}
