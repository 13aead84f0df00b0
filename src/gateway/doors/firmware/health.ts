// GET /health, as the firmware server answers it; readiness with the chain and the index is at
// /readyz.
import type { Request, Response } from 'express';
import type { GatewayContext } from '../../context';

export async function getHealth(ctx: GatewayContext, _req: Request, res: Response): Promise<void> {
  res.json({ status: 'healthy', read_only: ctx.recorder === undefined, default_space: ctx.artifacts.defaultSpace ?? null, index: ctx.artifacts.catalog !== undefined, ready: '/readyz' });
}
