// The entities a batch works with, by id (spaces also by owner, and the two spaces of a name
// that matter, by the name's hex): what a BatchState holds for one batch and what the
// EntityCache keeps between batches.
import type { Account, Blob, Image, Manifest, Space, Tag } from '../../model';

export class EntityMaps {
  readonly accounts = new Map<string, Account>();
  readonly spaces = new Map<string, Space>();
  readonly spaceByOwner = new Map<string, Space>();
  /** The space that owns a name (name-ownership.ts). */
  readonly nameOwners = new Map<string, Space>();
  /** The space the pallet records a name's writes in. */
  readonly nameWriters = new Map<string, Space>();
  readonly images = new Map<string, Image>();
  readonly tags = new Map<string, Tag>();
  readonly manifests = new Map<string, Manifest>();
  readonly blobs = new Map<string, Blob>();
}
