// RegisterPlugin's `/ipfs/<cid>` reads only content the gateway's own IPFS node already holds.
// A Kubo node asked for a CID it lacks fetches it from the IPFS network: a publisher could then
// have the gateway download anything from anyone, as large and as slow as that peer likes, on a
// call that holds an upload slot. `has` asks the node offline; the size is checked against the
// largest file a door accepts before a byte is read.
import type { Readable } from 'node:stream';
import { ArtifactError } from '../../artifacts/errors';
import type { GatewayContext } from '../../context';

/** Reading a held file that stalls longer than this is given up (a local read never should). */
const HELD_READ_TIMEOUT_MS = 5 * 60_000;

export async function openHeldContent(ctx: GatewayContext, cid: string): Promise<Readable> {
  if (!(await ctx.store.has(cid))) {
    throw new ArtifactError(
      'NOT_FOUND',
      `this gateway's IPFS node does not hold ${cid}, and it reads /ipfs/<cid> plugins only from content it already holds (it does not fetch from the IPFS network for a publisher): add the file to the gateway's IPFS node first (ipfs add, or ipfs pin add ${cid} by its operator), or send the bytes as a data URL (data:application/octet-stream;base64,…)`,
      { field: 'plugin' },
    );
  }
  const { size } = await ctx.store.stat(cid);
  const max = ctx.artifacts.maxFileBytes;
  if (size > max) {
    throw new ArtifactError('TOO_LARGE', `${cid} is ${size} bytes, larger than ${max}, the most this gateway accepts for one file (its operator sets the bound: gateway.limits.artifacts.maxFileBytes); nothing was stored`, { field: 'plugin' });
  }
  return ctx.store.get(cid, { signal: AbortSignal.timeout(HELD_READ_TIMEOUT_MS) });
}
