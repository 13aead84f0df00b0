// The one Express error middleware: every failure leaves as `{"errors":[…]}` with its status.
import type { ErrorRequestHandler } from 'express';
import { toOciError } from './from-internal';
import { logFailure } from './failure-log';
import type { OciError } from './oci-error';

export type ErrorLogger = (line: string) => void;

export function sendOciError(res: Parameters<ErrorRequestHandler>[2], error: OciError, method: string): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  const body = JSON.stringify({ errors: [error.toWire()] });
  res.status(error.status).setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  // HEAD answers carry no body, only the status and headers.
  res.end(method === 'HEAD' ? undefined : body);
}

export function ociErrorMiddleware(log: ErrorLogger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) {
      // The body was already streaming (or the client went away): cutting the connection is
      // the only honest signal left.
      if ((error as Error)?.name === 'BlobMismatchError') log(`${req.method} ${req.originalUrl}: ${(error as Error).message}`);
      res.destroy();
      return;
    }
    const oci = toOciError(error);
    const id = res.locals?.requestId as string | undefined;
    if (oci.status >= 500) logFailure(log, `${req.method} ${req.originalUrl}${id ? ` (request ${id})` : ''}`, `${oci.code} ${oci.message}`, oci.cause);
    sendOciError(res, oci, req.method);
  };
}
