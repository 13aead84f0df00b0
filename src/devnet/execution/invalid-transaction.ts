// Transaction validity errors, with the codes and texts a Substrate node's author RPC uses.
import { RpcError } from '../rpc/types';

export type InvalidReason =
  | 'BadProof'
  | 'Stale'
  | 'AncientBirthBlock'
  | 'Payment'
  | 'Call'
  | 'ExhaustsResources'
  | 'BadSigner'
  | 'MandatoryValidation';

const INVALID_TEXT: Record<InvalidReason, string> = {
  BadProof: 'Transaction has a bad signature',
  Stale: 'Transaction is outdated',
  AncientBirthBlock: 'Transaction has an ancient birth block',
  Payment: 'Inability to pay some fees (e.g. account balance too low)',
  Call: 'Transaction call is not expected',
  ExhaustsResources: 'Transaction would exhaust the block limits',
  BadSigner: 'Invalid signing address',
  MandatoryValidation: 'Transaction dispatch is mandatory; transactions must not be validated.',
};

export class InvalidTransaction extends Error {
  constructor(readonly reason: InvalidReason) {
    super(INVALID_TEXT[reason]);
  }

  toRpcError(): RpcError {
    return new RpcError(1010, 'Invalid Transaction', this.message);
  }
}

export class UnknownTransaction extends Error {
  constructor(message: string) {
    super(message);
  }

  toRpcError(): RpcError {
    return new RpcError(1011, 'Unknown Transaction Validity', this.message);
  }
}

export const badFormat = (detail: string) => new RpcError(1001, `Extrinsic has invalid format: ${detail}`);
export const alreadyImported = () => new RpcError(1013, 'Transaction Already Imported', 'The transaction is already in the pool.');
/** A node's answer for a hash it banned (just included, or removed as invalid): no data. */
export const temporarilyBanned = () => new RpcError(1012, 'Transaction is temporarily banned');
export const immediatelyDropped = () => new RpcError(1016, 'Immediately Dropped', "The transaction couldn't enter the pool because of the limit");
export const priorityTooLow = (old: bigint, offered: bigint) => new RpcError(1014, `Priority is too low: (${old} vs ${offered})`, 'The transaction has too low priority to replace another transaction already in the pool.');
