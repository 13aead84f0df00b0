// Parameter parsing shared by the method handlers: block references, hex bytes, accounts.
import { hexToU8a, isHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import type { DevChain } from '../../chain/dev-chain';
import type { BlockRecord } from '../../execution/block-builder';
import { RPC_INVALID_PARAMS, RpcError } from '../types';

export const invalidParams = (message: string) => new RpcError(RPC_INVALID_PARAMS, `Invalid params: ${message}`);

/** A Substrate client error for an unknown block; Subsquid retries on " not found". */
export const unknownBlock = (hash: string) => new RpcError(4003, `Client error: UnknownBlock: Header was not found in the local database: ${hash}`);

/**
 * A parameter as an error message quotes it: at most 100 characters. Echoed whole, a 15 MB
 * string came back in full, and an array nested 100,000 deep overflowed JSON.stringify's stack,
 * which answered -32603 instead of the -32602 a node gives.
 */
export function quoted(param: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(param);
  } catch {
    json = Array.isArray(param) ? '[…]' : typeof param;
  }
  return json === undefined ? String(param) : json.length > 100 ? `${json.slice(0, 100)}…` : json;
}

/** `null`/absent means the best block; otherwise a known block hash. */
export function blockAt(chain: DevChain, param: unknown): BlockRecord {
  if (param === undefined || param === null) return chain.tree.best;
  if (typeof param !== 'string' || !isHex(param, 256)) throw invalidParams(`expected a 32-byte block hash as 0x-prefixed hex, got ${quoted(param)}`);
  const block = chain.tree.get(param);
  if (!block) throw unknownBlock(param);
  return block;
}

/**
 * A block number given as a JSON number or a 0x-prefixed hex string: a node's NumberOrHex, which
 * a decimal string such as "12" is not.
 */
export function blockNumber(param: unknown): number {
  if (typeof param === 'number' && Number.isSafeInteger(param) && param >= 0) return param;
  if (typeof param === 'string' && /^0x[0-9a-fA-F]+$/.test(param)) return Number.parseInt(param.slice(2), 16);
  throw invalidParams(`expected a block number (a number or 0x hex), got ${quoted(param)}`);
}

/**
 * What a node answers when chain_getBlockHash's parameter is neither a block number nor a list of
 * them (a decimal string, a negative number, an object): jsonrpsee's invalid params, serde's
 * reason as data.
 */
export const notListOrValue = () => new RpcError(RPC_INVALID_PARAMS, 'Invalid params', 'data did not match any variant of untagged enum ListOrValue');

export function hexBytes(param: unknown, what: string): Uint8Array {
  if (typeof param !== 'string' || !isHex(param)) throw invalidParams(`${what} must be 0x-prefixed hex with an even number of digits`);
  return hexToU8a(param);
}

export function hexKey(param: unknown, what = 'storage key'): string {
  return typeof param === 'string' && isHex(param) ? param.toLowerCase() : (() => {
    throw invalidParams(`${what} must be 0x-prefixed hex`);
  })();
}

/**
 * Longest string accountId decodes: a 32-byte account as 0x hex is 66 characters, as SS58 at
 * most 50. Base58 decoding takes time quadratic in the length: 64,000 characters held the chain
 * for 9 seconds, a 15 MB request would have held it for days.
 */
const MAX_ADDRESS_CHARS = 128;

export function accountId(param: unknown): Uint8Array {
  if (typeof param !== 'string') throw invalidParams('expected an SS58 address or a 0x-prefixed 32-byte account id');
  if (param.length > MAX_ADDRESS_CHARS) {
    throw invalidParams(`"${param.slice(0, 100)}…" is ${param.length} characters, not an account: give an SS58 address or 0x-prefixed 32-byte hex (at most ${MAX_ADDRESS_CHARS} characters)`);
  }
  let decoded: Uint8Array;
  try {
    decoded = decodeAddress(param);
  } catch {
    throw invalidParams(`"${param.slice(0, 100)}" is not an SS58 address or a 32-byte hex account id`);
  }
  // decodeAddress also takes hex of any length and SS58 account indices; an AccountId32 is 32 bytes.
  if (decoded.length !== 32) throw invalidParams(`"${param.slice(0, 100)}" is ${decoded.length} bytes, not a 32-byte account id: give an SS58 address or 0x-prefixed 32-byte hex`);
  return decoded;
}
