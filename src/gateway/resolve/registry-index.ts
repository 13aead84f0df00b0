// What the gateway asks the index (the Subsquid GraphQL API over Postgres). The index keeps
// every record with who made it, which chain storage cannot tell: it is how a pull follows the
// records of a name's owner only (never a shadow's, see src/chain/name-claims.ts), and prefers
// the CID the owner recorded over one another account wrote last.
import type { RepositoryName } from '../oci/reference';

export interface IndexedRecord {
  readonly cid: string;
  /** SS58 of the account that recorded it. */
  readonly account: string;
  readonly blockNumber: number;
}

/** Which space owns a name: given from chain state, or left to the index's own view. */
export type OwnerSpace = string | undefined;

export interface IndexedSpace {
  readonly id: string;
  /** SS58. */
  readonly owner: string;
  readonly blockNumber: number;
}

export interface OwnerManifests {
  /** Manifests the owner recorded for this image (add_manifest), by tag or not. */
  readonly image: { digest: string; cid: string }[];
  /** Manifests the owner recorded by digest (store_digest_info Json): index children, referrers. */
  readonly json: { digest: string; cid: string }[];
}

export interface IndexedTags {
  /** A tag's digest is absent when its record is no text (the index keeps such a digest as hex only). */
  readonly tags: readonly { readonly tag: string; readonly digest?: string }[];
  /** The last block the index has processed: its digests may trail chain storage by the blocks after it. */
  readonly indexedBlock: number;
}

export interface RegistryIndex {
  /** The space that owns the name `repo` (claimed it first), as far as the index has seen. */
  nameOwner(repo: string): Promise<IndexedSpace | undefined>;
  /** A space by id, if the index has seen it. */
  space(id: string): Promise<IndexedSpace | undefined>;
  /**
   * The digest a tag points at in the owner's records. `ownerSpace` is the owning space's id
   * when the caller knows it from chain state; `spaceKnown` says whether the index has seen
   * that space at all (it may lag behind the chain).
   */
  ownerTag(name: RepositoryName, tag: string, ownerSpace: OwnerSpace): Promise<{ spaceKnown: boolean; digest?: string }>;
  /**
   * CIDs recorded for a manifest digest of this image (add_manifest) or as Json digest info,
   * newest first: a bounded number of them. With `owner` (the SS58 of the name's owner), the
   * owner's newest and everyone else's newest, each bounded apart, so that no number of strangers'
   * records can crowd the owner's out.
   */
  manifestRecords(name: RepositoryName, digest: string, owner?: string): Promise<IndexedRecord[]>;
  /** CIDs recorded for a digest with store_digest_info, newest first, bounded as manifestRecords'. */
  digestRecords(digest: string, owner?: string): Promise<IndexedRecord[]>;
  /** The owner's tags of an image, or undefined when the index does not know the image. */
  tags(name: RepositoryName, ownerSpace: OwnerSpace): Promise<string[] | undefined>;
  /**
   * The owner's tags of an image with the digest each points at in the owner's records (what
   * ownerTag answers for each), and the block the index has seen up to; undefined when the index
   * does not know the image. One query for every tag: a mirror tells from it which tags moved.
   */
  tagDigests(name: RepositoryName, ownerSpace: OwnerSpace): Promise<IndexedTags | undefined>;
  /** `<space>/<image>` for every image of every name's owner. */
  repositories(): Promise<string[]>;
  /** Whether chain storage points at any of these spellings of a CID now, as far as the index has seen. */
  isRecordedCid(spellings: string[]): Promise<boolean>;
  /** The manifests the owner of the name recorded for an image, and by digest for the space. */
  ownerManifests(name: RepositoryName, ownerSpace: OwnerSpace): Promise<OwnerManifests>;
}
