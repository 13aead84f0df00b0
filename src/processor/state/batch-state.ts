// The entities a batch touches: loaded once (one query per entity type), changed in memory by
// the batch's actions in chain order, then written once.
import { In } from 'typeorm';
import type { Store } from '@subsquid/typeorm-store';
import { Account, Blob, type DigestInfoRecord, Image, Manifest, Space, type SpaceMember, Tag, type TagUpdate } from '../../model';
import type { RegistryAction } from '../actions';
import { toAddress } from '../addresses';
import { imageId, manifestId, tagId } from './ids';

export class BatchState {
  readonly accounts = new Map<string, Account>();
  readonly newAccounts = new Set<string>();
  readonly spaces = new Map<string, Space>();
  readonly spaceByOwner = new Map<string, Space>();
  readonly images = new Map<string, Image>();
  readonly tags = new Map<string, Tag>();
  readonly manifests = new Map<string, Manifest>();
  readonly blobs = new Map<string, Blob>();
  readonly changed = { spaces: new Set<Space>(), images: new Set<Image>(), tags: new Set<Tag>(), manifests: new Set<Manifest>(), blobs: new Set<Blob>() };
  readonly inserts = { spaceMembers: [] as SpaceMember[], tagUpdates: [] as TagUpdate[], digestInfoRecords: [] as DigestInfoRecord[] };

  static async load(store: Store, actions: RegistryAction[]): Promise<BatchState> {
    const state = new BatchState();
    const publicKeys = new Set<string>();
    const spaceIds = new Set<string>();
    const owners = new Set<string>();
    for (const action of actions) {
      if (action.kind === 'spaceCreated') publicKeys.add(action.owner);
      if (action.kind === 'memberAdded') {
        spaceIds.add(action.spaceId);
        publicKeys.add(action.member);
      }
      if (action.kind === 'manifestPushed' || action.kind === 'digestInfoStored') {
        owners.add(toAddress(action.who));
        publicKeys.add(action.who);
      }
    }
    const addresses = [...publicKeys].map(toAddress);
    for (const account of await store.findBy(Account, { id: In(addresses) })) state.accounts.set(account.id, account);
    const spaces = await store.find(Space, { where: [{ id: In([...spaceIds]) }, { owner: { id: In([...owners]) } }], relations: { owner: true } });
    for (const space of spaces) state.addSpace(space);
    await state.loadSpaceContents(store, actions);
    return state;
  }

  addSpace(space: Space): void {
    this.spaces.set(space.id, space);
    this.spaceByOwner.set(space.owner.id, space);
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
  private async loadSpaceContents(store: Store, actions: RegistryAction[]): Promise<void> {
    const ids = { images: new Set<string>(), tags: new Set<string>(), manifests: new Set<string>(), blobs: new Set<string>() };
    for (const action of actions) {
      if (action.kind === 'digestInfoStored') ids.blobs.add(action.digest.hex);
      if (action.kind !== 'manifestPushed') continue;
      const space = this.spaceByOwner.get(toAddress(action.who));
      if (!space) continue;
      const image = imageId(space.id, action.imageName);
      ids.images.add(image);
      if (action.tag) ids.tags.add(tagId(image, action.tag));
      ids.manifests.add(manifestId(image, action.digest));
    }
    const [images, tags, manifests, blobs] = await Promise.all([
      store.findBy(Image, { id: In([...ids.images]) }),
      store.findBy(Tag, { id: In([...ids.tags]) }),
      store.findBy(Manifest, { id: In([...ids.manifests]) }),
      store.findBy(Blob, { id: In([...ids.blobs]) }),
    ]);
    for (const image of images) this.images.set(image.id, image);
    for (const tag of tags) this.tags.set(tag.id, tag);
    for (const manifest of manifests) this.manifests.set(manifest.id, manifest);
    for (const blob of blobs) this.blobs.set(blob.id, blob);
  }
}
