// GET /firmware/{name}/{version}: the binary, resolved the way a pull is (the name owner's records
// on chain, bytes verified against their digest), so a device can download a version as soon as
// its publish answered. A version moved after it was published says so in its headers.
import type { Request, Response } from 'express';
import { requireRead } from '../../artifacts/access';
import { artifactName, artifactVersion, pathComponent } from '../../artifacts/coordinates';
import { askMoves, mainFile, readExactVersion, sendVersionFile } from '../../artifacts/read-version';
import type { GatewayContext } from '../../context';
import { requestClientKey } from '../../../limits/client-key';

export async function getFirmware(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  await requireRead(ctx, req.headers.authorization, () => requestClientKey(req));
  const name = artifactName(pathComponent(params.name, 'name'), ctx.artifacts.defaultSpace);
  const version = artifactVersion(pathComponent(params.version, 'version'), false);
  const moves = askMoves(ctx, name, version);
  const exact = await readExactVersion(ctx, name, version);
  await sendVersionFile(ctx, req, res, exact, mainFile(exact), { filename: 'firmware.bin', moves });
}
