// The firmware server answers errors as its Go original does: the status and one line of plain
// text (http.Error), here a line that names the problem and the fix.
import type { ErrorRequestHandler, Response } from 'express';
import { toArtifactError } from '../../artifacts/errors';
import { logDoorFailure } from '../logged-failure';

export function sendFirmwareError(res: Response, error: unknown, log: (line: string) => void): void {
  const failure = toArtifactError(error);
  logDoorFailure(log, 'firmware', failure);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const header of ['Content-Disposition', 'Hcr-Version-Moved', 'Hcr-Original-Digest', 'Warning', 'Hcr-Manifest-Digest', 'Docker-Content-Digest', 'ETag', 'Accept-Ranges', 'Content-Range']) res.removeHeader(header);
  if (failure.options.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(failure.options.retryAfterSeconds));
  if (failure.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="hcr", error="invalid_token"');
  res.status(failure.status).type('text/plain; charset=utf-8').setHeader('X-Content-Type-Options', 'nosniff');
  res.send(`${failure.message}\n`);
}

export function firmwareErrorMiddleware(log: (line: string) => void): ErrorRequestHandler {
  return (error, _req, res, _next) => sendFirmwareError(res, error, log);
}
