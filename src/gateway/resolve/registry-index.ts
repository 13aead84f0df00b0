// What the gateway asks the index (the Subsquid GraphQL API over Postgres). The index keeps
// every record with who made it, which chain storage cannot tell: it is how a pull prefers the
// CID the repository's own owner recorded over one another account wrote last.
import type { RepositoryName } from '../oci/reference';

export interface IndexedRecord {
  readonly cid: string;
  /** SS58 of the account that recorded it. */
  readonly account: string;
  readonly blockNumber: number;
}

export interface RegistryIndex {
  /** The digest a tag points at, as far as the index has seen. */
  tagDigest(name: RepositoryName, tag: string): Promise<string | undefined>;
  /** The owner of the space named `repo` (SS58). */
  spaceOwner(repo: string): Promise<string | undefined>;
  /** CIDs recorded for a manifest digest of this image (add_manifest) or as Json digest info, newest first. */
  manifestRecords(name: RepositoryName, digest: string): Promise<IndexedRecord[]>;
  /** Every CID recorded for a digest with store_digest_info, newest first. */
  digestRecords(digest: string): Promise<IndexedRecord[]>;
  /** Tags of an image, or undefined when the index does not know the image. */
  tags(name: RepositoryName): Promise<string[] | undefined>;
  /** `<space>/<image>` for every image. */
  repositories(): Promise<string[]>;
  /** Manifest digests (and CIDs) of an image and the Json digests recorded by its space, for the referrers API. */
  manifestsOf(name: RepositoryName): Promise<{ digest: string; cid: string }[]>;
}
