// The doors' listings and searches (GET /firmware, GET /api/packages, GET /api/packages/{name},
// GET /api/search, and DiscoverPlugins over gRPC: plugins/listing-admission.ts) are admitted by
// the gateway's one ListingAdmission (`ctx.listingAdmission`), by client address (through the trusted proxies), before any
// credential is checked or the index asked. A refusal is a 429 with Retry-After in each door's
// own error style. Downloads are not counted: they are pulls, which are not limited.
import type { Request, Response } from 'express';
import { ArtifactError } from '../artifacts/errors';
import type { GatewayContext } from '../context';

type DoorHandler = (ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>) => Promise<void>;

/** `handler`, admitted first and counted as in progress until its work ends. */
export function boundListing(handler: DoorHandler): DoorHandler {
  return async (ctx, req, res, params) => {
    const admitted = ctx.listingAdmission.admit(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (!admitted.admitted) throw new ArtifactError('TOO_MANY_REQUESTS', admitted.message, { retryAfterSeconds: admitted.retryAfterSeconds });
    try {
      await handler(ctx, req, res, params);
    } finally {
      admitted.release();
    }
  };
}
