// Which space owns a name decides what the page offers: pull commands for the owner, a shadow
// warning and none for a later space with the same name (docs/name-ownership.md). The index says
// which is which, but it is a separate service that can be wrong, behind or lying, and a shadow
// shown as the owner would put pull commands next to images those commands never pull. So the
// space the page opens is checked against chain state through the registry's API, and where the
// two disagree the chain's word is shown, with the difference.
import { apiGet, ApiRequestError } from './api';
import type { SpaceDetail } from './queries';
import { nameText } from './untrusted-text';

/** GET /api/spaces/{id}/name. */
export interface ChainName {
  readonly id: string;
  readonly owner: { id: string };
  readonly nameHex: string;
  readonly isNameOwner: boolean;
  readonly takesNameWrites: boolean;
  readonly shadowOf: { id: string; owner: { id: string } } | null;
  readonly nameTakenBy: { id: string; owner: { id: string } } | null;
}

export interface CheckedSpace {
  /** The space with owner and name ownership as the chain has them. */
  readonly space: SpaceDetail;
  /** Whether pull commands may be offered: the chain has the space under the index's name, and it owns the name. */
  readonly pullable: boolean;
  /** Where the index and the chain disagree, in words; empty when they agree. */
  readonly differences: string[];
  /** Why the chain could not be asked, when it could not (the index's word is shown then). */
  readonly unchecked?: string;
}

export async function checkNameOwner(space: SpaceDetail): Promise<CheckedSpace> {
  let chain: ChainName | null;
  try {
    chain = await apiGet<ChainName>(`/spaces/${encodeURIComponent(space.id)}/name`);
  } catch (error) {
    // Only the route's own 404 (about the id) says the chain lacks the space; an API without the route also answers 404.
    if (error instanceof ApiRequestError && error.status === 404 && error.body.code === 'NOT_FOUND' && error.body.field === 'id') chain = null;
    else return unchecked(space, (error as Error).message);
  }
  return chain === null || (wellFormed(chain) && chain.id === space.id) ? reconcile(space, chain) : unchecked(space, 'the registry\'s API answered with something else than a space\'s name claim');
}

const unchecked = (space: SpaceDetail, why: string): CheckedSpace => ({ space, pullable: space.shadowOf === null, differences: [], unchecked: why });

const isRef = (value: unknown) => typeof (value as { id?: unknown } | null)?.id === 'string';

function wellFormed(chain: ChainName): boolean {
  return (
    isRef(chain) &&
    isRef(chain.owner) &&
    typeof chain.nameHex === 'string' &&
    typeof chain.isNameOwner === 'boolean' &&
    typeof chain.takesNameWrites === 'boolean' &&
    (chain.isNameOwner ? chain.shadowOf === null : isRef(chain.shadowOf) && isRef(chain.shadowOf!.owner)) &&
    (chain.nameTakenBy === null || (isRef(chain.nameTakenBy) && isRef(chain.nameTakenBy.owner)))
  );
}

/** The space as the chain has it (`chain` null: the chain has no such space), and what the index said otherwise. */
export function reconcile(space: SpaceDetail, chain: ChainName | null): CheckedSpace {
  const id = nameText(space.id);
  if (!chain) return { space, pullable: false, differences: [`the chain has no space ${id}`] };
  const differences: string[] = [];
  const sameName = String(chain.nameHex).toLowerCase() === String(space.nameHex).toLowerCase();
  if (!sameName) differences.push(`the index names space ${id} ${nameText(space.nameHex)}, the chain ${nameText(chain.nameHex)}`);
  if (chain.owner.id !== space.owner.id) differences.push(`the index says space ${id} is owned by ${nameText(space.owner.id)}, the chain by ${nameText(chain.owner.id)}`);
  const indexOwnsName = space.shadowOf === null;
  if (indexOwnsName !== chain.isNameOwner) {
    differences.push(chain.isNameOwner ? `the index calls it a shadow, but it claimed its name first` : `the index calls it the name's owner, but space ${nameText(chain.shadowOf!.id)} claimed the name first`);
  }
  if (chain.isNameOwner && (space.nameTakenBy?.id ?? null) !== (chain.nameTakenBy?.id ?? null)) {
    differences.push(chain.nameTakenBy ? `the index does not say that space ${nameText(chain.nameTakenBy.id)} takes the name's writes on chain` : 'the index says a shadow takes the name\'s writes on chain, but none does');
  }
  const keptBlock = space.nameTakenBy && chain.nameTakenBy && space.nameTakenBy.id === chain.nameTakenBy.id ? space.nameTakenBy.blockNumber : null;
  const checked: SpaceDetail = {
    ...space,
    owner: chain.owner,
    isNameOwner: chain.isNameOwner,
    takesNameWrites: chain.takesNameWrites,
    shadowOf: chain.shadowOf,
    nameTakenBy: chain.nameTakenBy && { ...chain.nameTakenBy, blockNumber: keptBlock },
  };
  return { space: checked, pullable: sameName && chain.isNameOwner, differences };
}
