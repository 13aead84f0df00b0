// Reading what pushes recorded: tag → manifest digest, (image, digest) → CID, and the global
// digest → {type, CID} table. Keys are given as text (encoded as UTF-8) or raw bytes.
import type { Bytes, Enum, Option } from '@polkadot/types';
import type { Codec } from '@polkadot/types/types';
import { bytesArg, type ChainBytes, chainBytes } from './bytes';
import type { DigestType } from './calls';
import type { QueryApi } from './space-readers';

export type KeyBytes = string | Uint8Array;

export interface DigestInfoView {
  readonly digestType: DigestType;
  readonly cid: ChainBytes;
}

interface DigestInfo extends Codec {
  readonly digestType: Enum;
  readonly cid: Bytes;
}

const bytesOf = (stored: Option<Bytes>): ChainBytes | undefined => (stored.isSome ? chainBytes(stored.unwrap().toU8a(true)) : undefined);

/** The manifest digest a tag points at; `tag` defaults to "latest" as in the pallet. */
export async function manifestDigest(api: QueryApi, ref: { repo: KeyBytes; image: KeyBytes; tag?: KeyBytes }): Promise<ChainBytes | undefined> {
  const key = [bytesArg(ref.repo), bytesArg(ref.image), bytesArg(ref.tag ?? 'latest')];
  return bytesOf((await api.query.containerRegistry.manifestDigests(key)) as Option<Bytes>);
}

/** The CID recorded for a manifest digest of an image (keyed by image name, not repository). */
export async function imageDigestCid(api: QueryApi, image: KeyBytes, digest: KeyBytes): Promise<ChainBytes | undefined> {
  return bytesOf((await api.query.containerRegistry.imageDigestToCid(bytesArg(image), bytesArg(digest))) as Option<Bytes>);
}

/**
 * The type and CID last recorded for a digest by anyone: any space owner can overwrite it, so
 * verify the bytes against the digest before trusting the CID.
 */
export async function digestInfo(api: QueryApi, digest: KeyBytes): Promise<DigestInfoView | undefined> {
  const stored = (await api.query.containerRegistry.digestInfoStorage(bytesArg(digest))) as Option<DigestInfo>;
  if (stored.isNone) return undefined;
  const info = stored.unwrap();
  return { digestType: info.digestType.type as DigestType, cid: chainBytes(info.cid.toU8a(true)) };
}
