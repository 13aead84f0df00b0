// The entities a batch touches: taken from the entity cache or loaded once (one query per entity
// type for the rest), changed in memory by the batch's actions in chain order, then written once.
import { Account, type Blob, type DigestInfoRecord, type Image, type Manifest, type Space, type SpaceMember, type Tag, type TagUpdate } from '../../model';
import type { RegistryAction } from '../actions';
import { toAddress } from '../addresses';
import { CACHED_KINDS, type CachedKind, type EntityCache } from './entity-cache';
import type { EntityReader, SpaceName } from './entity-reader';
import { EntityMaps } from './entity-maps';
import { blobId, imageId, manifestId, tagId } from './ids';

export class BatchState extends EntityMaps {
  readonly newAccounts = new Set<string>();
  /**
   * The spaces, images, tags, manifests and blobs this batch made: absent from the database, so
   * they are written with a plain INSERT. ON CONFLICT would first look each one up in the primary
   * key (and insert it speculatively), for rows that cannot be there.
   */
  readonly created = new Set<object>();
  readonly changed = { spaces: new Set<Space>(), images: new Set<Image>(), tags: new Set<Tag>(), manifests: new Set<Manifest>(), blobs: new Set<Blob>() };
  readonly inserts = { spaceMembers: [] as SpaceMember[], tagUpdates: [] as TagUpdate[], digestInfoRecords: [] as DigestInfoRecord[] };

  static async load(reader: EntityReader, actions: RegistryAction[], cache?: EntityCache): Promise<BatchState> {
    const state = new BatchState();
    const cached = cache?.usable ? cache : undefined;
    if (cached?.needsTableCheck) {
      const empty = await reader.emptyTables(CACHED_KINDS);
      cached.wholeFrom(CACHED_KINDS.filter((_, i) => empty[i]));
    }
    const publicKeys = new Set<string>();
    const spaceIds = new Set<string>();
    const owners = new Set<string>();
    const names = new Map<string, SpaceName>();
    for (const action of actions) {
      if (action.kind === 'spaceCreated') {
        publicKeys.add(action.owner);
        names.set(action.name.hex, action.name);
      }
      if (action.kind === 'memberAdded') {
        spaceIds.add(action.spaceId);
        publicKeys.add(action.member);
      }
      if (action.kind === 'manifestPushed' || action.kind === 'digestInfoStored') {
        owners.add(toAddress(action.who));
        publicKeys.add(action.who);
      }
    }
    const addresses = fromCache([...publicKeys].map(toAddress), cached, 'accounts', state.accounts);
    if (addresses.length > 0) for (const account of await reader.byIds('accounts', addresses)) state.accounts.set(account.id, account);
    const allSpaces = cached?.holdsAll('spaces') ?? false;
    const missingIds: string[] = [];
    for (const id of spaceIds) {
      const space = cached?.spaces.get(id);
      if (space) state.addSpace(space);
      else if (!allSpaces) missingIds.push(id);
    }
    const missingOwners: string[] = [];
    for (const owner of owners) {
      const space = cached?.spaceByOwner.get(owner);
      if (space) state.addSpace(space);
      else if (!allSpaces) missingOwners.push(owner);
    }
    // A new space's name: its owner and the space taking its writes, if the name is taken.
    const missingNames: SpaceName[] = [];
    for (const name of names.values()) {
      const owner = cached?.nameOwners.get(name.hex);
      const writer = cached?.nameWriters.get(name.hex);
      if (owner) state.addSpace(owner);
      if (writer) state.addSpace(writer);
      if (!allSpaces && !(owner && writer)) missingNames.push(name);
    }
    if (missingIds.length > 0 || missingOwners.length > 0 || missingNames.length > 0) {
      const spaces = await reader.spaces({ ids: missingIds, owners: missingOwners, names: missingNames });
      // A space already taken from the cache stays the one object the batch changes.
      for (const space of spaces) if (!state.spaces.has(space.id)) state.addSpace(space);
    }
    await state.loadSpaceContents(reader, actions, cached);
    return state;
  }

  addSpace(space: Space): void {
    this.spaces.set(space.id, space);
    this.spaceByOwner.set(space.owner.id, space);
    if (space.isNameOwner) this.nameOwners.set(space.nameHex, space);
    if (space.takesNameWrites) this.nameWriters.set(space.nameHex, space);
  }

  account(publicKey: string): Account {
    const id = toAddress(publicKey);
    let account = this.accounts.get(id);
    if (!account) {
      account = new Account({ id, publicKey });
      this.accounts.set(id, account);
      this.newAccounts.add(id);
    }
    return account;
  }

  /**
   * Images, tags, manifests and blobs of the spaces already indexed (new spaces have none),
   * without their relations: whoever changes one of them sets all its relations again.
   */
  private async loadSpaceContents(reader: EntityReader, actions: RegistryAction[], cached?: EntityCache): Promise<void> {
    const ids = { images: new Set<string>(), tags: new Set<string>(), manifests: new Set<string>(), blobs: new Set<string>() };
    for (const action of actions) {
      if (action.kind === 'digestInfoStored') ids.blobs.add(blobId(action.digest));
      if (action.kind !== 'manifestPushed') continue;
      const space = this.spaceByOwner.get(toAddress(action.who));
      if (!space) continue;
      const image = imageId(space.id, action.imageName);
      ids.images.add(image);
      if (action.tag) ids.tags.add(tagId(image, action.tag));
      ids.manifests.add(manifestId(image, action.digest));
    }
    const missing = {
      images: fromCache([...ids.images], cached, 'images', this.images),
      tags: fromCache([...ids.tags], cached, 'tags', this.tags),
      manifests: fromCache([...ids.manifests], cached, 'manifests', this.manifests),
      blobs: fromCache([...ids.blobs], cached, 'blobs', this.blobs),
    };
    const [images, tags, manifests, blobs] = await Promise.all([
      missing.images.length ? reader.byIds('images', missing.images) : [],
      missing.tags.length ? reader.byIds('tags', missing.tags) : [],
      missing.manifests.length ? reader.byIds('manifests', missing.manifests) : [],
      missing.blobs.length ? reader.byIds('blobs', missing.blobs) : [],
    ]);
    for (const image of images) this.images.set(image.id, image);
    for (const tag of tags) this.tags.set(tag.id, tag);
    for (const manifest of manifests) this.manifests.set(manifest.id, manifest);
    for (const blob of blobs) this.blobs.set(blob.id, blob);
  }
}

/**
 * Copies the cached entities among `ids` into `into` and returns the ids still to be loaded:
 * none when the cache holds the whole table (the others do not exist yet).
 */
function fromCache<K extends CachedKind, E>(ids: string[], cache: EntityCache | undefined, kind: K, into: Map<string, E>): string[] {
  if (!cache) return ids;
  const entries = cache[kind] as unknown as Map<string, E>;
  const whole = cache.holdsAll(kind);
  const missing: string[] = [];
  for (const id of ids) {
    const entity = entries.get(id);
    if (entity) into.set(id, entity);
    else if (!whole) missing.push(id);
  }
  return missing;
}
