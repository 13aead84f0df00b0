// The API's errors: each names the problem, the field it is about (when there is one) and the
// fix. Handlers throw ApiError (or InvalidInputError from the chain client's validators); one
// middleware writes `{"error":{code,message,field}}` with the status.
import type { ErrorRequestHandler } from 'express';
import { InvalidInputError } from '../chain';

export type ApiErrorCode =
  | 'INVALID_FIELD'
  | 'UNKNOWN_FIELD'
  | 'INVALID_BODY'
  | 'MALFORMED_EXTRINSIC'
  | 'NOT_SIGNED'
  | 'BAD_SIGNATURE'
  | 'CALL_NOT_ALLOWED'
  | 'STALE'
  | 'REJECTED_BY_CHAIN'
  | 'NOT_FOUND'
  | 'UNKNOWN_ACTION'
  | 'NAME_TAKEN'
  | 'INDEX_UNAVAILABLE'
  | 'RATE_LIMITED'
  | 'INTERNAL';

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(readonly status: number, readonly code: ApiErrorCode, message: string, readonly field?: string) {
    super(message);
  }

  toWire(): { code: ApiErrorCode; message: string; field?: string } {
    return this.field === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, field: this.field };
  }
}

/** A 400 about one field of the request. */
export const invalidField = (field: string, message: string): ApiError => new ApiError(400, 'INVALID_FIELD', message, field);

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof InvalidInputError) return invalidField(error.field, error.message);
  const parse = error as { type?: string; status?: number; expose?: boolean };
  if (parse?.type === 'entity.parse.failed') return new ApiError(400, 'INVALID_BODY', 'the body is not valid JSON: send a JSON object with Content-Type: application/json');
  if (parse?.type === 'entity.too.large') return new ApiError(413, 'INVALID_BODY', 'the body is too large: requests to this API are small JSON objects (under 256 KiB)');
  // Express could not decode a path parameter (a %-escape that is not UTF-8): the client's to fix.
  if (error instanceof URIError && parse.status === 400) {
    return new ApiError(400, 'INVALID_FIELD', `the request's path does not decode (${error.message}): percent-encode each path segment as UTF-8 (encodeURIComponent)`);
  }
  // The body parser's other refusals (a compression or charset it does not read, a body cut
  // short) are the client's to fix, not the API's failures.
  if (parse?.expose === true && typeof parse.status === 'number' && parse.status >= 400 && parse.status < 500) {
    return new ApiError(parse.status, 'INVALID_BODY', `the body could not be read (${(error as Error).message}): send an uncompressed UTF-8 JSON object with Content-Type: application/json`);
  }
  return new ApiError(500, 'INTERNAL', `the wallet API failed (${(error as Error)?.message ?? String(error)}); try again, and report it if it persists`);
}

export function apiErrorMiddleware(log: (line: string) => void): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const apiError = toApiError(error);
    if (apiError.code === 'INTERNAL') log(`${req.method} ${req.originalUrl}: ${(error as Error)?.stack ?? error}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(apiError.status).json({ error: apiError.toWire() });
  };
}
