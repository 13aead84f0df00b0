// The SPACE argument: a space id (all digits) or a space name. Names are not unique on chain, so
// a name is resolved against who is asking: for a change, the space of that name the signer owns.
import type { ApiPromise } from '@polkadot/api';
import { checkRepoName, checkSpaceId, getSpace, nameClaim, type NameClaim, spacesByName, type SpaceView } from '../../../chain';
import { CliError, EXIT } from '../../errors';

export type SpaceRef = { readonly id: string } | { readonly name: string };

/** Checked before connecting, so a typo fails at once with exit code 2. */
export function parseSpaceRef(value: string): SpaceRef {
  if (/^\d+$/.test(value)) return { id: checkSpaceId(value, 'SPACE') };
  return { name: checkRepoName(value, 'SPACE') };
}

export function describeRef(ref: SpaceRef): string {
  return 'id' in ref ? `space ${ref.id}` : `space "${ref.name}"`;
}

/** The id of the space `ref` names among those `owner` owns (or any space, for an id). */
export async function ownSpaceId(api: ApiPromise, ref: SpaceRef, owner: string): Promise<string> {
  if ('id' in ref) return ref.id;
  const mine = (await spacesByName(api, ref.name)).find((space) => space.owner === owner);
  if (!mine) {
    throw new CliError(
      `you (${owner}) own no space named "${ref.name}": give the space's id instead (hcr space ls --member ${owner}), sign as its owner, or create it with hcr space create ${ref.name}`,
      EXIT.usage,
    );
  }
  return mine.id;
}

/**
 * The space `ref` names. A name shared by several spaces means the one that owns it (claimed it
 * first, src/chain/name-claims.ts); `claim` tells the caller about the shadows.
 */
export async function findSpace(api: ApiPromise, ref: SpaceRef): Promise<{ space: SpaceView; claim?: NameClaim }> {
  if ('id' in ref) {
    const space = await getSpace(api, ref.id);
    if (!space) throw new CliError(`no space has id ${ref.id}: list the spaces with hcr space ls`, EXIT.usage);
    return { space };
  }
  const claim = await nameClaim(api, ref.name);
  if (!claim) throw new CliError(`no space is named "${ref.name}": list the spaces with hcr space ls, or create it with hcr space create ${ref.name}`, EXIT.usage);
  return { space: claim.owner, claim };
}
