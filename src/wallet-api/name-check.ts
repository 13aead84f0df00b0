// A space name another space already claimed is refused before anything is signed or sent: the
// new space would be a shadow (src/chain/name-claims.ts), which nobody making one from a wallet
// means to do. The CLI can still make one, saying what it means (--allow-shadow).
//
// The claim is read from the listing of spaces by name (SpaceDirectory), listed again only once a
// new space exists: reading every space on chain for each build and each submission let anyone
// make the node do that hundreds of times a minute.
import { chainBytes, claimOf, displayBytes, nameTakenText } from '../chain';
import type { SpaceDirectory } from '../gateway/resolve/space-directory';
import { ApiError } from './errors';

/** `name` as text, or the raw bytes of a submitted call. */
export async function refuseTakenName(spaces: SpaceDirectory, name: string | Uint8Array, field: string): Promise<void> {
  const claim = claimOf(await spaces.namedNow(name));
  const shown = typeof name === 'string' ? name : displayBytes(chainBytes(name));
  if (claim) throw new ApiError(409, 'NAME_TAKEN', `${nameTakenText(shown, claim)}. Pick another name.`, field);
}
