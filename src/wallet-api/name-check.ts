// A space name another space already claimed is refused before anything is signed or sent: the
// new space would be a shadow (src/chain/name-claims.ts), which nobody making one from a wallet
// means to do. The CLI can still make one, saying what it means (--allow-shadow).
import type { ApiPromise } from '@polkadot/api';
import { chainBytes, displayBytes, nameClaim, nameTakenText } from '../chain';
import { ApiError } from './errors';

/** `name` as text, or the raw bytes of a submitted call. */
export async function refuseTakenName(api: ApiPromise, name: string | Uint8Array, field: string): Promise<void> {
  const claim = await nameClaim(api, name);
  const shown = typeof name === 'string' ? name : displayBytes(chainBytes(name));
  if (claim) throw new ApiError(409, 'NAME_TAKEN', `${nameTakenText(shown, claim)}. Pick another name.`, field);
}
