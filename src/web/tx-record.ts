// A transaction's record as the registry's API reports it (POST /extrinsics, each progress event,
// each poll): read field by field, never spread as it came, so an answer that is not a record of
// this transaction (cut short, altered, another transaction's) is recognised as such, and its
// words reach the page only cut and escaped.
import { apiText } from './untrusted-text';

export type TxStatus = 'submitted' | 'future' | 'ready' | 'broadcast' | 'inBlock' | 'retracted' | 'finalized' | 'failed';

export interface TxRecord {
  readonly hash: string;
  readonly status: TxStatus;
  readonly blockNumber?: number;
  readonly error?: { code: string; message: string; docs: string };
  readonly links: { status: string; events: string };
}

const STATUSES: readonly TxStatus[] = ['submitted', 'future', 'ready', 'broadcast', 'inBlock', 'retracted', 'finalized', 'failed'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value` as the record of the transaction `first` describes, keeping `first`'s links; undefined when it is not one. */
export function txRecordOf(value: unknown, first: Pick<TxRecord, 'hash' | 'links'>): TxRecord | undefined {
  if (!isObject(value)) return undefined;
  const { hash, status, blockNumber, error } = value;
  if (typeof hash !== 'string' || hash.toLowerCase() !== first.hash.toLowerCase()) return undefined;
  if (!STATUSES.includes(status as TxStatus)) return undefined;
  if (blockNumber !== undefined && !(Number.isSafeInteger(blockNumber) && (blockNumber as number) >= 0)) return undefined;
  if (error !== undefined && !(isObject(error) && typeof error.message === 'string')) return undefined;
  return {
    hash: first.hash,
    status: status as TxStatus,
    ...(blockNumber === undefined ? {} : { blockNumber: blockNumber as number }),
    ...(isObject(error) ? { error: { code: apiText(error.code), message: apiText(error.message), docs: apiText(error.docs) } } : {}),
    links: first.links,
  };
}

/** The answer to POST /extrinsics: a record of a transaction with the links to follow it by. */
export function submittedRecordOf(value: unknown): TxRecord | undefined {
  if (!isObject(value) || typeof value.hash !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(value.hash) || !isObject(value.links)) return undefined;
  const { status, events } = value.links;
  // Followed under the API's path whatever they say (apiUrl), so strings are all they need to be.
  if (typeof status !== 'string' || typeof events !== 'string') return undefined;
  return txRecordOf(value, { hash: value.hash, links: { status, events } });
}
