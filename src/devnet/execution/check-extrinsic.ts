// Decoding and validity checks of submitted extrinsics, as the signed extensions do them:
// CheckSpecVersion / CheckTxVersion / CheckGenesis / CheckMortality through the signed payload
// (a mismatch is a bad signature, as on a node), CheckNonce, ChargeTransactionPayment and
// CheckMetadataHash. Signatures are verified for real (sr25519, ed25519, ecdsa).
import type { Extrinsic, Call } from '@polkadot/types/interfaces';
import type { Codec } from '@polkadot/types/types';
import { u8aConcat, u8aToHex, compactStripLength } from '@polkadot/util';
import { blake2AsU8a, secp256k1Verify } from '@polkadot/util-crypto';
// The WebAssembly verifiers: about eight times faster than util-crypto's JavaScript sr25519.
import { ed25519Verify, sr25519Verify } from '@polkadot/wasm-crypto';
import type { Runtime } from '../runtime/runtime';
import type { Weight } from '../runtime/dispatch';
import { SPEC_VERSION, TRANSACTION_VERSION, encodeU32 } from '../runtime/constants';
import type { StateStore } from '../state/state-store';
import { readAccount } from '../runtime/accounts';
import { BLOCK_HASH_COUNT } from '../runtime/pallets/system';
import { canPayFee } from '../runtime/currency';
import { BLOCK_LENGTH, BlockUsage, U64_MAX } from './block-limits';
import { partialFee } from './fees';
import { badFormat, InvalidTransaction, UnknownTransaction } from './invalid-transaction';
import { RpcError } from '../rpc/types';

/** Normal-class extrinsics' share of a block, in encoded bytes (Hippius: 3,932,160). */
export const MAX_BLOCK_EXTRINSICS_BYTES = BLOCK_LENGTH.Normal;

export interface CheckedExtrinsic {
  /** The extrinsic exactly as submitted (length-prefixed), kept verbatim for the block body. */
  bytes: Uint8Array;
  hash: string;
  call: Call;
  signer: Uint8Array;
  nonce: number;
  tip: bigint;
  fee: bigint;
  weight: Weight;
  /**
   * The first block it may not be in (its era's death), or u64::MAX for an immortal one: a
   * node's pool takes, of two equal priorities, the one that expires first.
   */
  validTill: bigint;
}

/** What the checks need to know of the chain at the block the extrinsic is checked against. */
export interface ValidityContext {
  genesisHash: string;
  /** The number of the block being built (parent + 1). */
  blockNumber: number;
  /** Hash of an ancestor of the block being built, by number. */
  blockHashAt(number: number): string | undefined;
  store: StateStore;
}

/**
 * Most calls one extrinsic may hold, nested ones included: a Utility batch at its limit
 * (BATCHED_CALLS_LIMIT, 10,922 calls) inside a few wrappers fits. @polkadot/types takes about
 * 50-100 µs per call it decodes, synchronously, so an unsigned 300 KB batch of 100,000
 * `System.remark`s, which anyone may send, stopped the chain and every client for seconds, and a
 * 1.5 MB one for a minute. A node decodes such bytes in microseconds; the dev chain stops here.
 */
export const MAX_EXTRINSIC_CALLS = 11_000;

/** A decode failure's text is cut to this length: nested calls repeat their path at every level. */
const MAX_FORMAT_DETAIL = 300;

export function decodeExtrinsic(runtime: Runtime, bytes: Uint8Array): Extrinsic {
  const registry = runtime.registry;
  // @polkadot/types looks up every call it decodes here, before decoding its arguments; counting
  // the lookups stops a decode as soon as it passes the limit. Decoding is synchronous, so no
  // other decode sees the counter.
  const findMetaCall = registry.findMetaCall;
  const ownMethod = Object.hasOwn(registry, 'findMetaCall');
  let callsLeft = MAX_EXTRINSIC_CALLS;
  let tooManyCalls = false;
  registry.findMetaCall = (callIndex) => {
    if (--callsLeft < 0) {
      tooManyCalls = true;
      throw new Error(`more than ${MAX_EXTRINSIC_CALLS} calls`);
    }
    return findMetaCall.call(registry, callIndex);
  };
  let extrinsic: Extrinsic;
  try {
    const [total, body] = compactStripLength(bytes);
    if (body.length === 0 || total !== bytes.length) throw new Error('length prefix does not match the bytes');
    extrinsic = registry.createType('Extrinsic', bytes);
    if (extrinsic.encodedLength !== bytes.length) throw new Error('trailing bytes after the extrinsic');
  } catch (error) {
    if (tooManyCalls) {
      throw new RpcError(
        1010,
        'Invalid Transaction',
        `Transaction would exhaust the block limits: it holds more than ${MAX_EXTRINSIC_CALLS} calls (nested ones included), the most the dev chain decodes in one extrinsic; split it into several transactions`,
      );
    }
    const detail = (error as Error).message.split('\n')[0];
    throw badFormat(detail.length > MAX_FORMAT_DETAIL ? `${detail.slice(0, MAX_FORMAT_DETAIL)}…` : detail);
  } finally {
    if (ownMethod) registry.findMetaCall = findMetaCall;
    else delete (registry as { findMetaCall?: unknown }).findMetaCall;
  }
  return extrinsic;
}

export function checkExtrinsic(runtime: Runtime, bytes: Uint8Array, extrinsic: Extrinsic, ctx: ValidityContext): CheckedExtrinsic & { future: boolean } {
  // A Mandatory call (the Timestamp.set inherent, or a wrapper such as sudo that takes its class)
  // is never a transaction, signed or not; a node says so before it looks for an unsigned
  // validator, and after it has checked a signature.
  const mandatory = runtime.classify(extrinsic.method as Call) === 'Mandatory';
  if (!extrinsic.isSigned) {
    if (mandatory) throw new InvalidTransaction('MandatoryValidation');
    throw new UnknownTransaction('Could not find an unsigned validator for the unsigned transaction');
  }
  const signature = signatureOf(extrinsic);
  // Only MultiAddress::Id resolves: the runtime has no Indices pallet.
  if (signature.signer.type !== 'Id') throw new UnknownTransaction('Could not lookup information required to validate the transaction');
  const signer = signature.signer.value.toU8a();
  if (signer.every((b) => b === 0)) throw new InvalidTransaction('BadSigner');
  if (signature.mode && signature.mode.toU8a()[0] !== 0) {
    // The dev chain does not compute the merkleized metadata hash, like a node built without it.
    throw new UnknownTransaction('Could not lookup information required to validate the transaction');
  }

  const birthHash = eraBirthHash(extrinsic, ctx);
  const payload = signingPayload(bytes, extrinsic, ctx.genesisHash, birthHash);
  if (!verifySignature(payload, signature.multiSignature, signer)) throw new InvalidTransaction('BadProof');
  if (mandatory) throw new InvalidTransaction('MandatoryValidation');

  const nonce = Number(signature.nonce.toString());
  const account = readAccount(ctx.store, signer);
  if (nonce < account.nonce) throw new InvalidTransaction('Stale');
  const call = extrinsic.method as Call;
  const weight = runtime.weigh(call);
  // CheckWeight: an extrinsic heavier or longer than its class may be in one block would never
  // be included. Pooled, it would wait forever (holding its megabytes) and keep asking for blocks
  // it does not fit in.
  new BlockUsage().validate(weight, runtime.classify(call), bytes.length);
  const tip = BigInt(signature.tip.toString());
  const fee = partialFee(bytes.length, weight) + tip;
  if (!canPayFee(ctx.store, signer, fee)) throw new InvalidTransaction('Payment');

  const validTill = extrinsic.era.isMortalEra ? BigInt(extrinsic.era.asMortalEra.death(ctx.blockNumber)) : U64_MAX;
  return { bytes, hash: u8aToHex(blake2AsU8a(bytes)), call, signer, nonce, tip, fee, weight, validTill, future: nonce > account.nonce };
}

interface MultiSignature extends Codec {
  isEd25519: boolean;
  isSr25519: boolean;
  isEcdsa: boolean;
  asEd25519: Codec;
  asSr25519: Codec;
  asEcdsa: Codec;
}

interface SignatureFields {
  signer: Codec & { type: string; value: Codec };
  multiSignature: MultiSignature;
  nonce: Codec;
  tip: Codec;
  mode?: Codec;
}

/** The signature part of a signed (v4) extrinsic: signer, MultiSignature and extension values. */
function signatureOf(extrinsic: Extrinsic): SignatureFields {
  return (extrinsic.inner as unknown as { signature: SignatureFields }).signature;
}

function eraBirthHash(extrinsic: Extrinsic, ctx: ValidityContext): string {
  const era = extrinsic.era;
  if (!era.isMortalEra) return ctx.genesisHash;
  const birth = era.asMortalEra.birth(ctx.blockNumber);
  // The birth block must be an ancestor: not the block being built, not beyond it, and one whose
  // hash System.BlockHash still holds while that block is built (the BlockHashCount + 1 before
  // it: the parent's added as it starts, the oldest dropped only as it ends; and the genesis): a
  // node looks it up there, so a long era born earlier is as ancient as one born before genesis.
  const remembered = birth === 0 || BigInt(ctx.blockNumber - birth) <= BLOCK_HASH_COUNT + 1n;
  const hash = birth < ctx.blockNumber && remembered ? ctx.blockHashAt(birth) : undefined;
  if (!hash) throw new InvalidTransaction('AncientBirthBlock');
  return hash;
}

/**
 * The signed payload: call ++ extra (taken verbatim from the extrinsic) ++ additional signed
 * (spec version, tx version, genesis hash, birth block hash, metadata hash: None), hashed with
 * blake2_256 when longer than 256 bytes.
 */
function signingPayload(bytes: Uint8Array, extrinsic: Extrinsic, genesisHash: string, birthHash: string): Uint8Array {
  const [, body] = compactStripLength(bytes);
  const signature = signatureOf(extrinsic);
  const extraStart = 1 + signature.signer.encodedLength + signature.multiSignature.encodedLength;
  const callStart = body.length - extrinsic.method.encodedLength;
  const extra = body.subarray(extraStart, callStart);
  const additional = u8aConcat(encodeU32(SPEC_VERSION), encodeU32(TRANSACTION_VERSION), genesisHash, birthHash, new Uint8Array([0]));
  const payload = u8aConcat(body.subarray(callStart), extra, additional);
  return payload.length > 256 ? blake2AsU8a(payload) : payload;
}

function verifySignature(payload: Uint8Array, signature: MultiSignature, signer: Uint8Array): boolean {
  try {
    if (signature.isSr25519) return sr25519Verify(signature.asSr25519.toU8a(), payload, signer);
    if (signature.isEd25519) return ed25519Verify(signature.asEd25519.toU8a(), payload, signer);
    // ecdsa: the account id is blake2_256 of the compressed public key recovered from the signature.
    if (signature.isEcdsa) return secp256k1Verify(payload, signature.asEcdsa.toU8a(), signer, 'blake2');
  } catch {
    return false;
  }
  return false;
}
