// Transaction validity errors, with the codes and texts a Substrate node's author RPC uses.
import { RpcError } from '../rpc/types';

export type InvalidReason =
  | 'BadProof'
  | 'Stale'
  | 'AncientBirthBlock'
  | 'Payment'
  | 'Call'
  | 'ExhaustsResources'
  | 'BadSigner';

const INVALID_TEXT: Record<InvalidReason, string> = {
  BadProof: 'Transaction has a bad signature',
  Stale: 'Transaction is outdated',
  AncientBirthBlock: 'Transaction has an ancient birth block',
  Payment: 'Inability to pay some fees (e.g. account balance too low)',
  Call: 'Transaction call is not expected',
  ExhaustsResources: 'Transaction would exhaust the block limits',
  BadSigner: 'Invalid signing address',
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
export const immediatelyDropped = () => new RpcError(1016, 'Immediately Dropped', "The transaction couldn't enter the pool because of the limit");
export const priorityTooLow = () => new RpcError(1014, 'Priority is too low: (0 vs 0)', 'The transaction has too low priority to replace another transaction already in the pool.');
