// The trustless gateway's routes on the gateway's port: GET and HEAD /ipfs/{cid}. Errors are
// plain text with the status the IPFS gateway specifications give (400 for a request this
// gateway does not serve, 404 for content it does not serve or hold, 412 for only-if-cached; 503
// with Retry-After while it cannot tell yet, or while IPFS or the chain is unavailable).
import type { RequestHandler, Response } from 'express';
import { IPFS_PATH, serveIpfs, type TrustlessContext } from './serve-ipfs';
import { TrustlessRequestError } from './trustless-request';

/** The chain reader's errors for a chain it cannot reach or that does not answer in time. */
const CHAIN_DOWN = new Set(['ChainUnavailableError', 'ChainConnectionError']);

/** Headers of a content answer, which no error may carry. */
const ANSWER_HEADERS = ['Cache-Control', 'ETag', 'Content-Disposition', 'Content-Location', 'X-Ipfs-Path', 'X-Ipfs-Roots', 'Accept-Ranges'];

export function trustlessRoutes(ctx: TrustlessContext, log: (line: string) => void): RequestHandler {
  return (req, res, next) => {
    if (!IPFS_PATH.test(req.path)) return next();
    res.locals.route = 'ipfs';
    // On every answer, refusals included: an error's text echoes the CID asked for, which a
    // browser left to sniff its type could take for a page of the gateway's origin.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendText(res, 405, `${req.method} is not served on /ipfs/: this trustless gateway answers GET and HEAD`);
      return;
    }
    serveIpfs(ctx, req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      // Set for the answer that was to be sent: on an error (a 429 or 503 to retry, above all) a
      // year's public caching would let a shared cache keep the refusal for everyone.
      for (const header of ANSWER_HEADERS) res.removeHeader(header);
      if (error instanceof TrustlessRequestError) {
        if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
        return sendText(res, error.status, error.message, req.method === 'HEAD');
      }
      if ((error as Error)?.name === 'BlobStoreUnavailableError') {
        res.setHeader('Retry-After', '5');
        return sendText(res, 503, `IPFS is unavailable (${(error as Error).message}); retry shortly`, req.method === 'HEAD');
      }
      // Whether a CID is recorded cannot be told while the chain is down: an outage to retry,
      // not an internal error (nor a stack trace logged for every CID a client asks for).
      if (CHAIN_DOWN.has((error as Error)?.name)) {
        res.setHeader('Retry-After', '5');
        return sendText(res, 503, `whether a chain record points at this CID cannot be told now (${(error as Error).message}); retry shortly`, req.method === 'HEAD');
      }
      log(`${req.method} ${req.originalUrl}: ${(error as Error)?.stack ?? error}`);
      sendText(res, 500, 'internal error; the gateway log has the details', req.method === 'HEAD');
    });
  };
}

function sendText(res: Response, status: number, message: string, head = false): void {
  res.status(status).setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(`${message}\n`));
  res.end(head ? undefined : `${message}\n`);
}
