// ContainerRegistry (index 69): the Hippius pallet as it ran on mainnet up to spec 9175,
// quirks included — one space per owner, space_id = NextSpaceId + block number, owner-only
// writes (members are never checked), tag defaulting to "latest", and a global
// last-writer-wins DigestInfoStorage.
import { u8aEq, u8aToHex } from '@polkadot/util';
import { DerivedIndex } from '../../state/derived-index';
import type { Codec } from '@polkadot/types/types';
import type { PalletModule } from '../pallet';
import { NONE_FALLBACK } from '../pallet';
import { type DispatchContext, ensureSigned, moduleError, weight } from '../dispatch';

const INDEX = 69;
const PALLET = 'ContainerRegistry';

export const ERRORS = [
  'RepositoryAlreadyExists', 'MaxTagsLimitReached', 'ExceedsMaxLength', 'RepositoryNotFound',
  'MaxImageCidsLimitReached', 'SpaceAlreadyExists', 'SpaceNotFound', 'NotAuthorized',
  'MaxSpaceMembersReached', 'EmptyImageName', 'EmptyDigest', 'EmptyCid', 'EmptyDigestInfo',
  'EmptyCidInfo', 'NotSpaceMember', 'SpaceDoesNotExist', 'NotSpaceOwner', 'UserAlreadyHasSpace',
] as const;

const ERROR_DOCS: Partial<Record<(typeof ERRORS)[number], string>> = {
  SpaceNotFound: 'No space has this id.',
  NotAuthorized: 'Only the space owner may add members.',
  EmptyImageName: 'The image name is empty.',
  EmptyDigest: 'The manifest digest is empty.',
  EmptyCid: 'The manifest CID is empty.',
  EmptyDigestInfo: 'The digest is empty.',
  EmptyCidInfo: 'The CID is empty.',
  SpaceDoesNotExist: 'No space has this repository name.',
  NotSpaceOwner: 'Only the space owner may record manifests and digests.',
  UserAlreadyHasSpace: 'This account already owns a space; an account may own one.',
};

const fail = (name: (typeof ERRORS)[number]) => moduleError(INDEX, ERRORS.indexOf(name));

const bytesOf = (codec: Codec): Uint8Array => codec.toU8a(true);

interface Space {
  owner: Codec;
  repoName: Codec;
  members: Codec[];
  imageNames: Codec[];
}

const asSpace = (codec: Codec) => codec as unknown as Space;

interface SpaceLookup {
  /** repo_name (hex) → the key of the first space with it (the lowest storage key). */
  byName: Map<string, string>;
  /** Owners (hex) that have a space. */
  owners: Set<string>;
}

/**
 * Who owns a space and which space has a name, as the pallet finds them by iterating Spaces;
 * built once per version of the Spaces map instead of on every call.
 */
const spaceLookup = new DerivedIndex<SpaceLookup>(PALLET, 'Spaces', (store) => {
  const lookup: SpaceLookup = { byName: new Map(), owners: new Set() };
  for (const [key, codec] of store.item(PALLET, 'Spaces').values()) {
    const space = asSpace(codec);
    lookup.owners.add(space.owner.toHex());
    const name = u8aToHex(space.repoName.toU8a(true));
    const first = lookup.byName.get(name);
    if (first === undefined || key < first) lookup.byName.set(name, key);
  }
  return lookup;
});

/**
 * The space whose repo_name matches, found as the pallet does (iterating Spaces and taking the
 * first match, i.e. the lowest storage key): names are not unique on chain.
 */
function findSpaceByName(ctx: DispatchContext, repoName: Uint8Array): { key: string; space: Space } | undefined {
  const key = spaceLookup.get(ctx.store).byName.get(u8aToHex(repoName));
  if (key === undefined) return undefined;
  const raw = ctx.store.getRaw(key);
  return raw === undefined ? undefined : { key, space: asSpace(ctx.store.item(PALLET, 'Spaces').decode(raw)) };
}

/** A copy of a decoded space with some fields replaced (Structs are Maps, so no object spread). */
function withChanges(space: Space, changes: Partial<Record<keyof Space, unknown>>): Record<keyof Space, unknown> {
  return { owner: space.owner, repoName: space.repoName, members: space.members, imageNames: space.imageNames, ...changes };
}

function writeSpace(ctx: DispatchContext, key: string, value: Record<keyof Space, unknown>): void {
  const spaces = ctx.store.item(PALLET, 'Spaces');
  ctx.store.setRaw(key, ctx.store.codec.encode(spaces.layout.valueType, value));
}

export const containerRegistry: PalletModule = {
  name: PALLET,
  index: INDEX,
  describe(b, t) {
    const digestType = b.simpleEnum('pallet_container_registry::pallet::DigestType', ['File', 'Json']);
    const spaceMetadata = b.composite(
      'pallet_container_registry::types::SpaceMetadata',
      [
        { name: 'owner', type: t.accountId, typeName: 'AccountId' },
        { name: 'repo_name', type: t.bytes, typeName: 'Vec<u8>' },
        { name: 'members', type: b.sequence(t.accountId), typeName: 'Vec<AccountId>' },
        { name: 'image_names', type: b.sequence(t.bytes), typeName: 'Vec<Vec<u8>>' },
      ],
      [{ name: 'AccountId', type: t.accountId }],
    );
    const digestInfo = b.composite('pallet_container_registry::pallet::DigestInfo', [
      { name: 'digest_type', type: digestType, typeName: 'DigestType' },
      { name: 'cid', type: t.bytes, typeName: 'Vec<u8>' },
    ]);
    const bytes = { type: t.bytes, typeName: 'Vec<u8>' };
    return {
      modulePath: 'pallet_container_registry::pallet',
      generics: ['T'],
      storage: [
        { name: 'NextSpaceId', modifier: 'Default', type: { plain: t.u128 }, fallback: new Uint8Array(16), docs: [] },
        { name: 'Spaces', modifier: 'Optional', type: { map: { hashers: ['Blake2_128Concat'], key: t.u128, value: spaceMetadata } }, fallback: NONE_FALLBACK, docs: [] },
        { name: 'ManifestDigests', modifier: 'Optional', type: { map: { hashers: ['Blake2_128Concat'], key: b.tuple(t.bytes, t.bytes, t.bytes), value: t.bytes } }, fallback: NONE_FALLBACK, docs: [] },
        { name: 'DigestInfoStorage', modifier: 'Optional', type: { map: { hashers: ['Blake2_128Concat'], key: t.bytes, value: digestInfo } }, fallback: NONE_FALLBACK, docs: [] },
        { name: 'ImageDigestToCid', modifier: 'Optional', type: { map: { hashers: ['Blake2_128Concat', 'Blake2_128Concat'], key: b.tuple(t.bytes, t.bytes), value: t.bytes } }, fallback: NONE_FALLBACK, docs: [] },
      ],
      calls: [
        { name: 'create_space', index: 0, args: [{ name: 'name', ...bytes }], docs: ['Create the caller\'s space, named `name`.'] },
        { name: 'add_space_member', index: 1, args: [{ name: 'space_id', type: t.u128, typeName: 'SpaceId' }, { name: 'new_member', type: t.accountId, typeName: 'T::AccountId' }], docs: ['Add a member to a space the caller owns.'] },
        {
          name: 'add_manifest_head_digest_and_manifest_json_cid',
          index: 2,
          args: [{ name: 'repo_name', ...bytes }, { name: 'image_name', ...bytes }, { name: 'tag', type: t.optionBytes, typeName: 'Option<Vec<u8>>' }, { name: 'digest', ...bytes }, { name: 'cid', ...bytes }],
          docs: ['Point a tag (default `latest`) of an image at a manifest digest and record the manifest\'s CID.'],
        },
        { name: 'store_digest_info', index: 3, args: [{ name: 'repo_name', ...bytes }, { name: 'digest', ...bytes }, { name: 'digest_type', type: digestType, typeName: 'DigestType' }, { name: 'cid', ...bytes }], docs: ['Record the CID holding the content of a digest.'] },
      ],
      events: [
        { name: 'SpaceCreated', index: 0, fields: [{ type: t.u128, typeName: 'SpaceId' }, { type: t.accountId, typeName: 'T::AccountId' }] },
        { name: 'MemberAdded', index: 1, fields: [{ type: t.u128, typeName: 'SpaceId' }, { type: t.accountId, typeName: 'T::AccountId' }] },
        { name: 'ManifestDigestUpdated', index: 2, fields: [bytes, bytes, bytes, bytes] },
        { name: 'ImageDigestToCidStored', index: 3, fields: [{ name: 'who', type: t.accountId, typeName: 'T::AccountId' }, { name: 'image_name', ...bytes }, { name: 'digest', ...bytes }, { name: 'cid', ...bytes }] },
        { name: 'DigestInfoStored', index: 4, fields: [{ name: 'who', type: t.accountId, typeName: 'T::AccountId' }, { name: 'digest', ...bytes }, { name: 'digest_type', type: digestType, typeName: 'DigestType' }, { name: 'cid', ...bytes }] },
      ],
      errors: ERRORS.map((name, index) => ({ name, index, docs: ERROR_DOCS[name] ? [ERROR_DOCS[name]!] : [] })),
      constants: [{ name: 'MaxLength', type: t.u32, value: new Uint8Array([2, 0, 0, 0]), docs: [] }],
    };
  },
  handlers: {
    create_space: {
      weight: () => weight(50_000_000, 4_000),
      run(ctx, origin, [name]) {
        const who = ensureSigned(origin);
        const spaces = ctx.store.item(PALLET, 'Spaces');
        if (spaceLookup.get(ctx.store).owners.has(u8aToHex(who))) throw fail('UserAlreadyHasSpace');
        const next = ctx.store.item(PALLET, 'NextSpaceId');
        const u128Wrap = 1n << 128n;
        const spaceId = (BigInt(next.get()?.toString() ?? '0') + ctx.blockNumber) % u128Wrap;
        spaces.set({ owner: who, repoName: bytesOf(name), members: [who], imageNames: [] }, spaceId);
        next.set((spaceId + 1n) % u128Wrap);
        ctx.deposit(PALLET, 'SpaceCreated', [spaceId, who]);
      },
    },
    add_space_member: {
      weight: () => weight(30_000_000, 4_000),
      run(ctx, origin, [spaceId, newMember]) {
        const who = ensureSigned(origin);
        const spaces = ctx.store.item(PALLET, 'Spaces');
        const stored = spaces.get(spaceId);
        if (!stored) throw fail('SpaceNotFound');
        const space = asSpace(stored);
        if (!u8aEq(space.owner.toU8a(), who)) throw fail('NotAuthorized');
        // Duplicates are not checked on chain: adding a member twice lists them twice.
        spaces.set(withChanges(space, { members: [...space.members, newMember] }), spaceId);
        ctx.deposit(PALLET, 'MemberAdded', [spaceId, newMember]);
      },
    },
    add_manifest_head_digest_and_manifest_json_cid: {
      weight: () => weight(60_000_000, 8_000),
      run(ctx, origin, [repoName, imageName, tag, digest, cid]) {
        const who = ensureSigned(origin);
        const found = findSpaceByName(ctx, bytesOf(repoName));
        if (!found) throw fail('SpaceDoesNotExist');
        const { key: spaceKey, space } = found;
        if (!u8aEq(space.owner.toU8a(), who)) throw fail('NotSpaceOwner');
        if (bytesOf(imageName).length === 0) throw fail('EmptyImageName');
        if (bytesOf(digest).length === 0) throw fail('EmptyDigest');
        if (bytesOf(cid).length === 0) throw fail('EmptyCid');
        const tagOption = tag as unknown as { isSome: boolean; unwrap(): Codec };
        const tagBytes = tagOption.isSome ? bytesOf(tagOption.unwrap()) : new TextEncoder().encode('latest');
        const key: [Uint8Array, Uint8Array, Uint8Array] = [bytesOf(repoName), bytesOf(imageName), tagBytes];
        ctx.store.item(PALLET, 'ManifestDigests').set(bytesOf(digest), key);
        ctx.store.item(PALLET, 'ImageDigestToCid').set(bytesOf(cid), bytesOf(imageName), bytesOf(digest));
        if (!space.imageNames.some((n) => u8aEq(n.toU8a(true), bytesOf(imageName)))) {
          writeSpace(ctx, spaceKey, withChanges(space, { imageNames: [...space.imageNames, bytesOf(imageName)] }));
        }
        ctx.deposit(PALLET, 'ManifestDigestUpdated', [...key, bytesOf(digest)]);
        ctx.deposit(PALLET, 'ImageDigestToCidStored', [who, bytesOf(imageName), bytesOf(digest), bytesOf(cid)]);
      },
    },
    store_digest_info: {
      weight: () => weight(40_000_000, 6_000),
      run(ctx, origin, [repoName, digest, digestType, cid]) {
        const who = ensureSigned(origin);
        const found = findSpaceByName(ctx, bytesOf(repoName));
        if (!found) throw fail('SpaceDoesNotExist');
        if (!u8aEq(found.space.owner.toU8a(), who)) throw fail('NotSpaceOwner');
        if (bytesOf(digest).length === 0) throw fail('EmptyDigestInfo');
        if (bytesOf(cid).length === 0) throw fail('EmptyCidInfo');
        ctx.store.item(PALLET, 'DigestInfoStorage').set({ digestType, cid: bytesOf(cid) }, bytesOf(digest));
        ctx.deposit(PALLET, 'DigestInfoStored', [who, bytesOf(digest), digestType, bytesOf(cid)]);
      },
    },
  },
};
