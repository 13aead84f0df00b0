// Applies a batch's actions, in chain order, to the entities in memory, as the pallet changes
// its storage: spaces and their member lists, images, tags and their history, manifests, and the
// global last-writer-wins digest map with every record kept.
import { Blob, DigestInfoRecord, DigestType, Image, Manifest, Space, SpaceMember, Tag, TagUpdate } from '../../model';
import type { ActionContext } from '../action-context';
import type { DigestInfoStoredAction, ManifestPushedAction, MemberAddedAction, RegistryAction, SpaceCreatedAction } from '../actions';
import { toAddress } from '../addresses';
import { searchText } from '../bytes';
import type { BatchState } from './batch-state';
import { contextColumns } from './context-columns';
import { blobId, imageId, manifestId, tagId } from './ids';
import { claimName } from './name-ownership';

export interface ApplyLog {
  warn(message: string): void;
}

export function applyActions(state: BatchState, actions: RegistryAction[], log: ApplyLog): void {
  for (const action of actions) {
    switch (action.kind) {
      case 'spaceCreated': createSpace(state, action); break;
      case 'memberAdded': addMember(state, action, log); break;
      case 'manifestPushed': pushManifest(state, action, log); break;
      case 'digestInfoStored': storeDigestInfo(state, action, log); break;
    }
  }
}

function createSpace(state: BatchState, { ctx, spaceId, owner, name }: SpaceCreatedAction): void {
  const account = state.account(owner);
  const space = new Space({
    id: spaceId, name: name.text, nameHex: name.hex, searchText: searchText(name.text), owner: account,
    memberCount: 1, imageCount: 0, tagCount: 0, manifestCount: 0, digestInfoCount: 0,
    ...contextColumns(ctx), updatedAtBlock: ctx.blockNumber, updatedAt: ctx.timestamp,
  });
  claimName(state, space);
  state.addSpace(space);
  state.created.add(space);
  state.changed.spaces.add(space);
  state.inserts.spaceMembers.push(new SpaceMember({ id: ctx.eventId, space, account, isOwner: true, position: 0, ...contextColumns(ctx) }));
}

function addMember(state: BatchState, { ctx, spaceId, member }: MemberAddedAction, log: ApplyLog): void {
  const space = state.spaces.get(spaceId);
  if (!space) return log.warn(`${ctx.eventId}: MemberAdded for space ${spaceId}, which the index does not hold; skipped`);
  const account = state.account(member);
  state.inserts.spaceMembers.push(new SpaceMember({ id: ctx.eventId, space, account, isOwner: false, position: space.memberCount, ...contextColumns(ctx) }));
  space.memberCount += 1;
  touch(state, space, ctx);
}

function pushManifest(state: BatchState, action: ManifestPushedAction, log: ApplyLog): void {
  const { ctx } = action;
  const space = state.spaceByOwner.get(toAddress(action.who));
  if (!space) return log.warn(`${ctx.eventId}: a manifest recorded by ${toAddress(action.who)}, who owns no indexed space; skipped`);
  const account = state.account(action.who);
  const image = imageOf(state, space, action, ctx);
  const manifestKey = manifestId(image.id, action.digest);
  let manifest = state.manifests.get(manifestKey) ?? null;
  if (action.cid) {
    if (!manifest) {
      manifest = new Manifest({ id: manifestKey, digest: action.digest.text, digestHex: action.digest.hex, recordCount: 0, firstBlockNumber: ctx.blockNumber, firstTimestamp: ctx.timestamp });
      state.manifests.set(manifest.id, manifest);
      state.created.add(manifest);
      image.manifestCount += 1;
      space.manifestCount += 1;
    }
    Object.assign(manifest, { space, image, account, cid: action.cid.text, cidHex: action.cid.hex, recordCount: manifest.recordCount + 1, ...contextColumns(ctx) });
    state.changed.manifests.add(manifest);
  }
  if (action.tag) {
    const key = tagId(image.id, action.tag);
    let tag = state.tags.get(key);
    if (!tag) {
      tag = new Tag({ id: key, name: action.tag.text, nameHex: action.tag.hex, updateCount: 0, createdAtBlock: ctx.blockNumber, createdAt: ctx.timestamp });
      state.tags.set(key, tag);
      state.created.add(tag);
      image.tagCount += 1;
      space.tagCount += 1;
    }
    const previous = tag.updateCount > 0 ? { digest: tag.digest ?? null, digestHex: tag.digestHex } : { digest: null, digestHex: null };
    state.inserts.tagUpdates.push(new TagUpdate({
      id: ctx.eventId, space, image, tag, manifest, account, digest: action.digest.text, digestHex: action.digest.hex,
      previousDigest: previous.digest, previousDigestHex: previous.digestHex, ...statementColumns(action), ...contextColumns(ctx),
    }));
    Object.assign(tag, { space, image, manifest, digest: action.digest.text, digestHex: action.digest.hex, updateCount: tag.updateCount + 1, updatedAtBlock: ctx.blockNumber, updatedAt: ctx.timestamp });
    state.changed.tags.add(tag);
  }
  Object.assign(image, { space, updatedAtBlock: ctx.blockNumber, updatedAt: ctx.timestamp });
  state.changed.images.add(image);
  touch(state, space, ctx);
}

function imageOf(state: BatchState, space: Space, action: ManifestPushedAction, ctx: ActionContext): Image {
  const key = imageId(space.id, action.imageName);
  let image = state.images.get(key);
  if (!image) {
    const { text, hex } = action.imageName;
    image = new Image({ id: key, space, name: text, nameHex: hex, searchText: imageSearchText(space, text), tagCount: 0, manifestCount: 0, createdAtBlock: ctx.blockNumber, createdAt: ctx.timestamp });
    state.images.set(key, image);
    state.created.add(image);
    space.imageCount += 1;
  }
  return image;
}

/** An image is found by its own words and by its space's name ("acme web" finds acme's library/web). */
function imageSearchText(space: Space, name: string | null): string | null {
  const words = [space.name, searchText(name)].filter((part): part is string => Boolean(part));
  return words.length > 0 ? words.join(' ') : null;
}

function storeDigestInfo(state: BatchState, action: DigestInfoStoredAction, log: ApplyLog): void {
  const { ctx, who, digest, digestType, cid } = action;
  const space = state.spaceByOwner.get(toAddress(who));
  if (!space) return log.warn(`${ctx.eventId}: a digest recorded by ${toAddress(who)}, who owns no indexed space; skipped`);
  const account = state.account(who);
  let blob = state.blobs.get(blobId(digest));
  if (!blob) {
    blob = new Blob({ id: blobId(digest), digest: digest.text, recordCount: 0 });
    state.blobs.set(blob.id, blob);
    state.created.add(blob);
  }
  Object.assign(blob, { digestType: DigestType[digestType], cid: cid.text, cidHex: cid.hex, account, recordCount: blob.recordCount + 1, updatedAtBlock: ctx.blockNumber, updatedAt: ctx.timestamp });
  state.changed.blobs.add(blob);
  state.inserts.digestInfoRecords.push(new DigestInfoRecord({
    id: ctx.eventId, blob, space, account, digest: digest.text, digestHex: digest.hex, digestType: DigestType[digestType], cid: cid.text, cidHex: cid.hex, ...statementColumns(action), ...contextColumns(ctx),
  }));
  space.digestInfoCount += 1;
  touch(state, space, ctx);
}

/** Who pushed, as the extrinsic's signer stated it (push-statement.ts). */
function statementColumns({ pushedBy, ctx }: ManifestPushedAction | DigestInfoStoredAction) {
  return { pushedBy, pushedByStatedBy: pushedBy === null || ctx.signer === null ? null : toAddress(ctx.signer) };
}

function touch(state: BatchState, space: Space, ctx: ActionContext): void {
  space.updatedAtBlock = ctx.blockNumber;
  space.updatedAt = ctx.timestamp;
  state.changed.spaces.add(space);
}
