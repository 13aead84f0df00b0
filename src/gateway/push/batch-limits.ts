// What one push's batch may hold. The chain dispatches at most `Utility.batched_calls_limit` calls
// in one batch, and a block takes at most so many bytes of normal transactions. A push past either
// would be signed and paid for and still record nothing (Utility.TooManyCalls inside the proxied
// call, after the fee is taken), or be refused by the node as too big for a block, which the client
// would be told to retry, forever. A manifest with enough layers (or an index with enough
// children) gets there: a member uploads thousands of tiny blobs and every push of the manifest
// costs the gateway's key a large fee. So the batch is measured before it is signed, and refused
// with what to change.
import type { ApiPromise } from '@polkadot/api';
import { OciError } from '../errors/oci-error';

/** Normal transactions' share of a block when the chain does not say (Substrate's 75% of 5 MiB, as on Hippius). */
export const DEFAULT_MAX_EXTRINSIC_BYTES = 3_932_160;
/** What signing adds to an extrinsic: signer, signature, era, nonce, tip and metadata-hash mode, rounded up. */
const SIGNATURE_BYTES = 160;

interface Counted {
  readonly digests: readonly unknown[];
  readonly head?: unknown;
}

/** The chain's limit on calls in one batch, when its metadata has one. */
export function batchedCallsLimit(api: ApiPromise): number | undefined {
  const limit = (api.consts as unknown as { utility?: { batchedCallsLimit?: { toNumber(): number } } }).utility?.batchedCallsLimit;
  return limit ? limit.toNumber() : undefined;
}

/** The bytes one normal extrinsic may take: the chain's System.BlockLength, else the default. */
export function maxExtrinsicBytes(api: ApiPromise): number {
  const length = (api.consts as unknown as { system?: { blockLength?: { max?: { normal?: { toNumber(): number } } } } }).system?.blockLength;
  return length?.max?.normal?.toNumber() ?? DEFAULT_MAX_EXTRINSIC_BYTES;
}

/**
 * Throws a client error when the batch (of `calls` calls, `encodedLength` bytes unsigned) cannot
 * go in one transaction. `upTo`: the records are what the push may need at most (checked before
 * knowing which the chain holds already).
 */
export function checkBatchFits(api: ApiPromise, calls: number, encodedLength: number, records: Counted, options: { upTo?: boolean } = {}): void {
  const limit = batchedCallsLimit(api);
  const bytes = encodedLength + SIGNATURE_BYTES;
  const maxBytes = maxExtrinsicBytes(api);
  if ((limit === undefined || calls <= limit) && bytes <= maxBytes) return;
  const what = limit !== undefined && calls > limit ? `${calls} calls, and the chain runs at most ${limit} in one batch` : `${bytes} bytes, and a block takes at most ${maxBytes} bytes of transactions`;
  throw new OciError(
    'MANIFEST_INVALID',
    `the push needs ${options.upTo ? 'up to ' : ''}${records.digests.length} digest record(s)${records.head ? ' and the tag' : ''} written in one chain transaction of ${options.upTo ? 'up to ' : ''}${what}: nothing was recorded or paid for. Push an image with fewer layers (or an index with fewer manifests), for example by splitting it into several images; pushing it again cannot succeed`,
    { detail: { calls, bytes, maxCalls: limit ?? null, maxBytes } },
  );
}
