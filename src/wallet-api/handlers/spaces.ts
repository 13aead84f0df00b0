// GET /spaces/{id}/name: who owns the space's name, from chain state. The page reads spaces from
// the index, a separate service; which space owns a name decides whether pull commands are shown,
// so the page checks the index's word on it against the chain here. A listing of every space by
// name is kept (SpaceDirectory) and read again only once a new space exists, so each check is two
// storage reads.
import type { Request, Response } from 'express';
import { hexToU8a } from '@polkadot/util';
import { checkSpaceId, claimOf, getSpace, type SpaceView } from '../../chain';
import type { WalletApiContext } from '../context';
import { ApiError } from '../errors';

const account = (space: SpaceView) => ({ id: space.id, owner: { id: space.owner } });

export async function getSpaceName(ctx: WalletApiContext, req: Request, res: Response): Promise<void> {
  const id = checkSpaceId(req.params.id, 'id');
  const space = await getSpace(ctx.actions.api, id);
  if (!space) throw new ApiError(404, 'NOT_FOUND', `the chain has no space ${id}: check the id (GET /api/accounts/{address} gives an owner's space)`, 'id');
  // Read after the space, so the listing holds it.
  const claim = claimOf(await ctx.spaces.namedNow(hexToU8a(space.repoName.hex)))!;
  const isNameOwner = claim.owner.id === id;
  res.json({
    id,
    owner: { id: space.owner },
    name: space.repoName.text ?? null,
    nameHex: space.repoName.hex,
    isNameOwner,
    takesNameWrites: claim.writer.id === id,
    shadowOf: isNameOwner ? null : account(claim.owner),
    nameTakenBy: isNameOwner && claim.contested ? account(claim.writer) : null,
  });
}
