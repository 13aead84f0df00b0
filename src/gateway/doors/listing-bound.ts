// The doors' listings and searches (GET /firmware, GET /api/packages, GET /api/packages/{name},
// GET /api/packages/{name}/resolve, GET /api/search, and DiscoverPlugins over gRPC:
// plugins/listing-admission.ts) are admitted by the gateway's one ListingAdmission
// (`ctx.listingAdmission`), by client (its address through the trusted proxies, an IPv6 client's
// /64: client-key.ts), before any credential is checked or the index asked. A refusal is a 429
// with Retry-After in each door's own error style. Downloads are pulls, which are not limited:
// only a package download by a range or `latest` counts, for the index query that resolves it
// (the same as GET …/resolve), and only while that query runs, never while the bytes stream.
import type { Request, Response } from 'express';
import { requestClientKey } from '../../limits/client-key';
import { ArtifactError } from '../artifacts/errors';
import type { GatewayContext } from '../context';

type DoorHandler = (ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>) => Promise<void>;

/**
 * Takes one listing from the client's allowance and a place among its listings in progress, or
 * throws the door's 429. The place is held until the returned release is called.
 */
export function admitListing(ctx: GatewayContext, req: Request): () => void {
  const admitted = ctx.listingAdmission.admit(requestClientKey(req));
  if (!admitted.admitted) throw new ArtifactError('TOO_MANY_REQUESTS', admitted.message, { retryAfterSeconds: admitted.retryAfterSeconds });
  return admitted.release;
}

/** `handler`, admitted first and counted as in progress until its work ends. */
export function boundListing(handler: DoorHandler): DoorHandler {
  return async (ctx, req, res, params) => {
    const release = admitListing(ctx, req);
    try {
      await handler(ctx, req, res, params);
    } finally {
      release();
    }
  };
}
