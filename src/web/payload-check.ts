// What the wallet is asked to sign is built by the registry's API, and a wallet shows people
// little of it (often only hex). So before the wallet sees a payload the page checks it against
// what the person asked for: the account they picked signs it, its call is exactly the one they
// asked for (arguments included), it is for this registry's chain, it adds no tip, and it dies
// soon. A payload that differs is refused here and never reaches the wallet.
import type { SignerPayloadJSON } from '@polkadot/types/types';
import { hexToBigInt, hexToU8a, isHex, u8aEq } from '@polkadot/util';
import { sameAccount } from '../chain/validate';
import { callBytes, callName, type RequestedCall } from './call-bytes';
import { nameText } from './untrusted-text';

export interface SigningExpectation {
  /** The account the person picked. */
  readonly signer: string;
  readonly call: RequestedCall;
  /** The chain's genesis hash, as the registry's API said when the page loaded. */
  readonly genesisHash: string;
  /** The highest block number the page has seen the chain reach (a transaction it followed), when it has seen one. */
  readonly knownHead?: number;
}

const NOT_ASKED_FOR = 'built a transaction that is not the one you asked for';

export class PayloadMismatchError extends Error {
  /** `what`: what the API did, e.g. that it asked for a transaction that never expires. */
  constructor(problem: string, what = NOT_ASKED_FOR) {
    super(
      `The registry's API ${what}: ${problem}. Nothing was signed. ` +
        'Reload the page and try again; if this happens again, do not sign anything on this site and tell its operator.',
    );
  }
}

/**
 * The most blocks a signed transaction may stay valid. A signature is a standing order: until its
 * era ends, anyone who holds the signed transaction (the API, a proxy, a log) can submit it while
 * the account's nonce still matches, so an immortal era is refused and a mortal one must be short.
 * polkadot.js asks for 64 blocks on Hippius (5 minutes of 6-second blocks plus finality lag,
 * rounded up to a power of two); 256 is Hippius's System.BlockHashCount, the oldest birth block
 * its nodes can still check, so no longer era is of use there. 256 blocks are about 26 minutes.
 */
export const MAX_ERA_PERIOD = 256;
const BLOCK_SECONDS = 6;

// Without these, the genesis hash and the tip checked below would not be part of what is signed.
const REQUIRED_EXTENSIONS = ['CheckGenesis', 'ChargeTransactionPayment'];
const TEXT_FIELDS = ['address', 'method', 'genesisHash', 'tip', 'nonce', 'era', 'blockHash', 'blockNumber', 'specVersion', 'transactionVersion'] as const;

/** The payload, when it is what `expected` describes; otherwise a PayloadMismatchError naming the difference. */
export function checkSigningPayload(payload: unknown, expected: SigningExpectation): SignerPayloadJSON {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new PayloadMismatchError('it sent no transaction payload');
  const json = payload as Record<string, unknown>;
  for (const field of TEXT_FIELDS) {
    if (typeof json[field] !== 'string') throw new PayloadMismatchError(`its payload has no ${field}`);
  }
  const checked = json as unknown as SignerPayloadJSON;
  if (!sameAccount(checked.address, expected.signer)) throw new PayloadMismatchError(`it would be signed by ${shown(checked.address)}, not by the account you picked (${expected.signer})`);
  const method = isHex(checked.method) ? hexToU8a(checked.method) : new Uint8Array();
  const wanted = callBytes(expected.call);
  if (!u8aEq(method, wanted)) {
    const what = callName(method);
    throw new PayloadMismatchError(what === callName(wanted) ? `it calls ${what} with other arguments than yours` : `it calls ${what}, not ${callName(wanted)}`);
  }
  if (checked.genesisHash.toLowerCase() !== expected.genesisHash.toLowerCase()) {
    throw new PayloadMismatchError(`it is for another chain (genesis ${shown(checked.genesisHash)}), not this registry's (genesis ${expected.genesisHash})`);
  }
  if (!isHex(checked.tip) || hexToBigInt(checked.tip) !== 0n) throw new PayloadMismatchError(`it adds a tip of ${shown(checked.tip)} to the fee, paid from your account`);
  const extensions = Array.isArray(checked.signedExtensions) ? checked.signedExtensions : [];
  const missing = REQUIRED_EXTENSIONS.filter((name) => !extensions.includes(name));
  if (missing.length) throw new PayloadMismatchError(`it leaves ${missing.join(' and ')} out of what is signed`);
  checkLifetime(checked, expected.knownHead);
  return checked;
}

interface MortalEra {
  readonly period: number;
  readonly phase: number;
}

/** The era's bytes as Substrate's `Era::decode` reads them: null when immortal, undefined when they are not an era. */
export function decodeEra(hex: string): MortalEra | null | undefined {
  if (!isHex(hex)) return undefined;
  const bytes = hexToU8a(hex);
  if (bytes.length === 1 && bytes[0] === 0) return null;
  if (bytes.length !== 2) return undefined;
  const encoded = bytes[0] | (bytes[1] << 8);
  const period = 2 << (encoded % 16);
  const phase = (encoded >> 4) * Math.max(period >> 12, 1);
  return period >= 4 && phase < period ? { period, phase } : undefined;
}

/** The first block of the era's window that holds `current`: the block whose hash the transaction signs. */
const birth = (era: MortalEra, current: number): number => Math.floor((Math.max(current, era.phase) - era.phase) / era.period) * era.period + era.phase;

/**
 * The transaction dies within MAX_ERA_PERIOD blocks of the block it was built on. Its signature
 * covers the hash of its era's birth block, so it is valid only in the one window that starts
 * there: bounding the period bounds its life, wherever the API put the birth. The birth must be
 * the block the payload says it was built on (as polkadot.js builds it) and, when the page has
 * seen a later block, the window must still be open there.
 */
function checkLifetime(payload: SignerPayloadJSON, knownHead: number | undefined): void {
  const era = decodeEra(payload.era);
  if (era === undefined) throw new PayloadMismatchError(`its era ${shown(payload.era)} is not a transaction lifetime`);
  if (era === null) {
    throw new PayloadMismatchError(
      'its era is immortal, so anyone who holds the signed transaction could submit it at any later time while your account\'s nonce matches',
      'asked for a transaction that never expires',
    );
  }
  if (era.period > MAX_ERA_PERIOD) {
    throw new PayloadMismatchError(
      `it would stay valid for ${era.period} blocks (${duration(era.period)}), where this page allows at most ${MAX_ERA_PERIOD} (${duration(MAX_ERA_PERIOD)})`,
      'asked for a transaction that expires late',
    );
  }
  const built = isHex(payload.blockNumber) ? hexToBigInt(payload.blockNumber) : -1n;
  if (built < 0n || built > BigInt(Number.MAX_SAFE_INTEGER)) throw new PayloadMismatchError(`its block number ${shown(payload.blockNumber)} is not a block number`);
  const born = birth(era, Number(built));
  if (born !== Number(built)) throw new PayloadMismatchError(`its era starts at block #${born}, not at block #${built}, which it says it was built on`);
  if (knownHead !== undefined && born + era.period <= knownHead) {
    throw new PayloadMismatchError(
      `its era ran from block #${born} to #${born + era.period - 1}, and the chain has already reached block #${knownHead}`,
      'asked for a transaction that has already expired',
    );
  }
}

const duration = (blocks: number): string => {
  const minutes = Math.round((blocks * BLOCK_SECONDS) / 60);
  return minutes < 120 ? `about ${minutes} minutes` : `about ${Math.round(minutes / 6) / 10} hours`;
};

/** The API's words in a message: cut short, every character outside printable ASCII escaped. */
const shown = (value: string): string => `${nameText(value.slice(0, 80))}${value.length > 80 ? '…' : ''}`;
