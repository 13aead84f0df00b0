// Reading spaces from chain state. Names are not unique on chain, so lookups by name return
// every match in storage-key order, and spaceForPush picks the one the pallet writes to.
import type { ApiPromise } from '@polkadot/api';
import type { ApiDecoration } from '@polkadot/api/types';
import type { Bytes, Option, Vec } from '@polkadot/types';
import type { AccountId32 } from '@polkadot/types/interfaces';
import type { Codec } from '@polkadot/types/types';
import { u8aEq } from '@polkadot/util';
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { bytesArg, type ChainBytes, chainBytes } from './bytes';
import { checkAddress, checkSpaceId, SS58_PREFIX } from './validate';

/** The live API or one fixed at a block (`await api.at(hash)`). */
export type QueryApi = ApiPromise | ApiDecoration<'promise'>;

export interface SpaceView {
  /** The u128 space id in decimal. */
  readonly id: string;
  /** SS58, prefix 42. */
  readonly owner: string;
  readonly repoName: ChainBytes;
  /** As stored: the owner first, duplicates possible (the pallet does not check). */
  readonly members: string[];
  readonly imageNames: ChainBytes[];
}

interface SpaceMetadata extends Codec {
  readonly owner: AccountId32;
  readonly repoName: Bytes;
  readonly members: Vec<AccountId32>;
  readonly imageNames: Vec<Bytes>;
}

const ss58 = (account: Codec): string => encodeAddress(account.toU8a(), SS58_PREFIX);

function toView(id: string, space: SpaceMetadata): SpaceView {
  return {
    id,
    owner: ss58(space.owner),
    repoName: chainBytes(space.repoName.toU8a(true)),
    members: space.members.map(ss58),
    imageNames: space.imageNames.map((name) => chainBytes(name.toU8a(true))),
  };
}

export async function getSpace(api: QueryApi, id: string | bigint | number): Promise<SpaceView | undefined> {
  const spaceId = checkSpaceId(id);
  const stored = (await api.query.containerRegistry.spaces(spaceId)) as Option<SpaceMetadata>;
  return stored.isSome ? toView(spaceId, stored.unwrap()) : undefined;
}

/** Every space, in storage-key order (the order the pallet iterates them in). */
export async function listSpaces(api: QueryApi): Promise<SpaceView[]> {
  const entries = await api.query.containerRegistry.spaces.entries();
  return entries
    .map(([key, value]) => ({ key: key.toHex(), id: key.args[0].toString(), value: value as Option<SpaceMetadata> }))
    .filter(({ value }) => value.isSome)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ id, value }) => toView(id, value.unwrap()));
}

/** All spaces whose repo_name is `name` (text or raw bytes), in storage-key order. */
export async function spacesByName(api: QueryApi, name: string | Uint8Array): Promise<SpaceView[]> {
  const wanted = bytesArg(name);
  const spaces = await listSpaces(api);
  return spaces.filter((space) => space.repoName.hex === wanted);
}

/** The space the pallet records pushes to `name` in: the first match by storage key. */
export async function spaceForPush(api: QueryApi, name: string | Uint8Array): Promise<SpaceView | undefined> {
  return (await spacesByName(api, name))[0];
}

/** The space `owner` owns (the pallet allows one per account). */
export async function spaceByOwner(api: QueryApi, owner: string): Promise<SpaceView | undefined> {
  const address = checkAddress(owner, 'owner');
  return (await listSpaces(api)).find((space) => space.owner === address);
}

export async function spaceMembers(api: QueryApi, id: string | bigint | number): Promise<string[] | undefined> {
  return (await getSpace(api, id))?.members;
}

export function isSpaceMember(space: SpaceView, account: string): boolean {
  const id = decodeAddress(checkAddress(account));
  return space.members.some((member) => u8aEq(decodeAddress(member), id));
}

/** NextSpaceId; the next space created in block n gets this plus n. */
export async function nextSpaceId(api: QueryApi): Promise<string> {
  return (await api.query.containerRegistry.nextSpaceId()).toString();
}
