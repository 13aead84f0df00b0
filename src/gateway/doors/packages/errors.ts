// The package registry's errors: JSON `{"error":{"code","message","field"}}` with the status, the
// message naming the problem and the fix.
import type { ErrorRequestHandler, Response } from 'express';
import { toArtifactError } from '../../artifacts/errors';
import { logDoorFailure } from '../logged-failure';

export function sendPackageError(res: Response, error: unknown, log: (line: string) => void): void {
  const failure = toArtifactError(error);
  logDoorFailure(log, 'packages', failure);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const header of ['Content-Disposition', 'Hcr-Version-Moved', 'Hcr-Original-Digest', 'Warning', 'Hcr-Manifest-Digest', 'Docker-Content-Digest', 'ETag', 'Accept-Ranges', 'Content-Range']) res.removeHeader(header);
  if (failure.options.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(failure.options.retryAfterSeconds));
  if (failure.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="hcr", error="invalid_token"');
  res.status(failure.status).json({ error: { code: failure.code, message: failure.message, ...(failure.options.field ? { field: failure.options.field } : {}) } });
}

export function packageErrorMiddleware(log: (line: string) => void): ErrorRequestHandler {
  return (error, _req, res, _next) => sendPackageError(res, error, log);
}
