// GET /v2/: the API version check, and where clients learn they must log in.
import type { Request, Response } from 'express';
import type { GatewayContext } from '../context';

export async function getBase(ctx: GatewayContext, req: Request, res: Response): Promise<void> {
  ctx.access.requireToken(req);
  res.json({});
}
