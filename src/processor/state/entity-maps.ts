// The entities a batch works with, by id (spaces also by owner): what a BatchState holds for one
// batch and what the EntityCache keeps between batches.
import type { Account, Blob, Image, Manifest, Space, Tag } from '../../model';

export class EntityMaps {
  readonly accounts = new Map<string, Account>();
  readonly spaces = new Map<string, Space>();
  readonly spaceByOwner = new Map<string, Space>();
  readonly images = new Map<string, Image>();
  readonly tags = new Map<string, Tag>();
  readonly manifests = new Map<string, Manifest>();
  readonly blobs = new Map<string, Blob>();
}
