// What the wallet is asked to sign is built by the registry's API, and a wallet shows people
// little of it (often only hex). So before the wallet sees a payload the page checks it against
// what the person asked for: the account they picked signs it, its call is exactly the one they
// asked for (arguments included), it is for this registry's chain, and it adds no tip. A payload
// that differs is refused here and never reaches the wallet.
import type { SignerPayloadJSON } from '@polkadot/types/types';
import { hexToBigInt, hexToU8a, isHex, u8aEq } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { callBytes, callName, type RequestedCall } from './call-bytes';
import { nameText } from './untrusted-text';

export interface SigningExpectation {
  /** The account the person picked. */
  readonly signer: string;
  readonly call: RequestedCall;
  /** The chain's genesis hash, as the registry's API said when the page loaded. */
  readonly genesisHash: string;
}

export class PayloadMismatchError extends Error {
  constructor(problem: string) {
    super(
      `The registry's API built a transaction that is not the one you asked for: ${problem}. Nothing was signed. ` +
        'Reload the page and try again; if this happens again, do not sign anything on this site and tell its operator.',
    );
  }
}

// Without these, the genesis hash and the tip checked below would not be part of what is signed.
const REQUIRED_EXTENSIONS = ['CheckGenesis', 'ChargeTransactionPayment'];
const TEXT_FIELDS = ['address', 'method', 'genesisHash', 'tip', 'nonce', 'era', 'blockHash', 'specVersion', 'transactionVersion'] as const;

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
  return checked;
}

function sameAccount(address: string, signer: string): boolean {
  try {
    return u8aEq(decodeAddress(address), decodeAddress(signer));
  } catch {
    return false;
  }
}

/** The API's words in a message: cut short, every character outside printable ASCII escaped. */
const shown = (value: string): string => `${nameText(value.slice(0, 80))}${value.length > 80 ? '…' : ''}`;
