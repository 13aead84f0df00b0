// Who owns a space name. `repo_name` is not unique on chain, and the pallet records every write
// for a name in the first space with that name in storage-key order (Blake2_128Concat of the
// id), which an attacker can choose by picking the block a second space is created in. So the
// name is owned by time instead: the space that claimed it first (lowest id; ids only grow, as
// `space_id = NextSpaceId + block_number` and NextSpaceId becomes `space_id + 1`) owns it, and
// later spaces with the same name are shadows. While the owner sorts first, the chain's records
// for the name are the owner's; once a shadow sorts first, they may be the shadow's.
import type { ApiPromise } from '@polkadot/api';
import type { Codec } from '@polkadot/types/types';
import { type QueryApi, spacesByName, type SpaceView } from './space-readers';
import { checkSpaceId } from './validate';

export interface NameClaim {
  /** The space that claimed the name first: the name's owner. */
  readonly owner: SpaceView;
  /** Where the pallet records writes for the name: the first space with it in storage-key order. */
  readonly writer: SpaceView;
  /** Every later space with the same name, oldest first. */
  readonly shadows: readonly SpaceView[];
  /** The writer is a shadow: chain storage under this name may hold someone else's records. */
  readonly contested: boolean;
}

const byId = (a: SpaceView, b: SpaceView) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0);

/** The claim on a name from its spaces in storage-key order (what spacesByName returns). */
export function claimOf(spaces: readonly SpaceView[]): NameClaim | undefined {
  if (spaces.length === 0) return undefined;
  const [owner, ...shadows] = [...spaces].sort(byId);
  const writer = spaces[0];
  return { owner, writer, shadows, contested: writer.id !== owner.id };
}

/** The claim on `name` (text or raw bytes) as chain state holds it now (or at a block, with `api.at`). */
export async function nameClaim(api: QueryApi, name: string | Uint8Array): Promise<NameClaim | undefined> {
  return claimOf(await spacesByName(api, name));
}

/**
 * The block a space was created in, found by a binary search over chain state (the space exists
 * from that block on, and spaces are never removed). Undefined when the node no longer keeps the
 * state of old blocks (a pruned node) or the space does not exist.
 */
export async function spaceCreationBlock(api: ApiPromise, id: string): Promise<number | undefined> {
  const key = api.query.containerRegistry.spaces.key(checkSpaceId(id));
  const existsAt = async (height: number): Promise<boolean> => {
    const hash = await api.rpc.chain.getBlockHash(height);
    // An absent key reads as an empty value.
    return !((await api.rpc.state.getStorage(key, hash)) as Codec).isEmpty;
  };
  try {
    let high = (await api.rpc.chain.getHeader()).number.toNumber();
    if (!(await existsAt(high))) return undefined;
    let low = 0;
    if (await existsAt(low)) return low;
    // Invariant: absent at `low`, present at `high`.
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (await existsAt(middle)) high = middle;
      else low = middle;
    }
    return high;
  } catch {
    return undefined;
  }
}

/**
 * Why a name that has an owner should not be taken again, in words for a person about to create
 * a space with it (the CLI and the wallet API refuse it unless told otherwise).
 */
export function nameTakenText(name: string, claim: NameClaim): string {
  return `the name ${JSON.stringify(name)} is taken: space ${claim.owner.id} (owner ${claim.owner.owner}) claimed it first, and names belong to the space that claimed them first. A second space with this name would be a shadow: pulls of ${name}/… never resolve to its images, and if its id happens to sort first in chain storage the chain records every write for ${JSON.stringify(name)} in it, so gateways then refuse pushes to the name`;
}
