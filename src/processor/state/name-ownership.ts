// Who owns a space's name, decided as each space is created (the rule: src/chain/name-claims.ts).
// The first space with a name owns it; a later one is a shadow of that owner. The pallet records
// a name's writes in the first space with it in storage-key order, so a shadow whose key sorts
// before the current writer's takes the name's writes from then on, and its owner is marked as
// taken (`nameTakenBy`) so that readers of the index know chain storage under the name is no
// longer the owner's alone.
import type { Space } from '../../model';
import { sortsBefore } from '../../chain/space-order';
import type { BatchState } from './batch-state';

/** Sets the name fields of `space`, new in this batch, and of the spaces of its name it changes. */
export function claimName(state: BatchState, space: Space): void {
  const owner = state.nameOwners.get(space.nameHex);
  const writer = state.nameWriters.get(space.nameHex);
  space.isNameOwner = owner === undefined;
  space.shadowOf = owner ?? null;
  space.nameTakenBy = null;
  space.takesNameWrites = writer === undefined || sortsBefore(space.id, writer.id);
  if (owner && writer && space.takesNameWrites) {
    writer.takesNameWrites = false;
    state.changed.spaces.add(writer);
    owner.nameTakenBy = space;
    state.changed.spaces.add(owner);
  }
}
