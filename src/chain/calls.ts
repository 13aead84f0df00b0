// Typed builders for the four ContainerRegistry calls. Arguments are checked here so a typo
// fails before signing instead of costing a fee and coming back as a chain error.
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { bytesArg } from './bytes';
import { checkAddress, checkCid, checkDigest, checkImageName, checkRepoName, checkSpaceId, checkTag, InvalidInputError } from './validate';

export type Tx = SubmittableExtrinsic<'promise'>;

/** DigestType on chain: `File` for blobs (layers, configs), `Json` for manifests. */
export type DigestType = 'File' | 'Json';

export interface ManifestRecord {
  /** The space's repo_name: the first path component of the image reference. */
  readonly repo: string;
  readonly image: string;
  /** Absent for the pallet's default, "latest". */
  readonly tag?: string;
  readonly digest: string;
  readonly cid: string;
}

export interface DigestRecord {
  readonly repo: string;
  readonly digest: string;
  readonly type: DigestType;
  readonly cid: string;
}

function registryCalls(api: ApiPromise) {
  const calls = api.tx.containerRegistry;
  if (!calls) {
    throw new Error(`the connected chain (${api.runtimeVersion.specName.toString()} spec ${api.runtimeVersion.specVersion.toString()}) has no ContainerRegistry pallet; connect to \`hcr devnet\` or a Hippius-based node that runs it`);
  }
  return calls;
}

export function createSpace(api: ApiPromise, name: string): Tx {
  return registryCalls(api).createSpace(bytesArg(checkRepoName(name, 'name')));
}

export function addSpaceMember(api: ApiPromise, spaceId: string | bigint | number, member: string): Tx {
  return registryCalls(api).addSpaceMember(checkSpaceId(spaceId), checkAddress(member, 'member'));
}

/** Points `tag` (default "latest") of `image` at a manifest digest and records the manifest's CID. */
export function addManifest(api: ApiPromise, record: ManifestRecord): Tx {
  const tag = record.tag === undefined ? null : bytesArg(checkTag(record.tag));
  return registryCalls(api).addManifestHeadDigestAndManifestJsonCid(
    bytesArg(checkRepoName(record.repo)),
    bytesArg(checkImageName(record.image)),
    tag,
    bytesArg(checkDigest(record.digest)),
    bytesArg(checkCid(record.cid)),
  );
}

/** Records the CID holding a digest's bytes (global on chain: the last writer wins). */
export function storeDigestInfo(api: ApiPromise, record: DigestRecord): Tx {
  if (record.type !== 'File' && record.type !== 'Json') {
    throw new InvalidInputError('type', `digest type ${JSON.stringify(record.type)} is not valid: use "File" for blobs or "Json" for manifests`);
  }
  return registryCalls(api).storeDigestInfo(bytesArg(checkRepoName(record.repo)), bytesArg(checkDigest(record.digest)), record.type, bytesArg(checkCid(record.cid)));
}

/** The text a pushed-by statement starts with; the indexer reads it (src/processor/push-statement.ts). */
export const PUSHED_BY_PREFIX = 'hcr:pushed-by:';

/**
 * A `System.remark` stating which account pushed: put in the batch of a push that a gateway
 * records for a space owner, it tells the index who pushed (the chain sees only the owner). A
 * statement by whoever signs, not checked on chain.
 */
export function pushedByStatement(api: ApiPromise, pusher: string): Tx {
  return api.tx.system.remark(bytesArg(`${PUSHED_BY_PREFIX}${checkAddress(pusher, 'pusher')}`));
}

/** The text of a nonce filler's remark, so that one seen on chain explains itself. */
export const NONCE_FILLER_TEXT = 'hcr:nonce-filler';

/**
 * A `System.remark` that only uses up a nonce: when a transaction of the gateway's key left the
 * pool without being included, the key's later transactions wait behind its nonce until
 * something takes it.
 */
export function nonceFiller(api: ApiPromise): Tx {
  return api.tx.system.remark(bytesArg(NONCE_FILLER_TEXT));
}
