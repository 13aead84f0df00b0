// The error handlers throw: an OCI code, a message that names the problem and the fix, an
// optional detail object, and any headers the answer needs (Retry-After, WWW-Authenticate).
import { OCI_ERROR_CODES, type OciErrorCode } from './codes';

export interface OciErrorOptions {
  readonly detail?: unknown;
  /** Overrides the code's usual status (e.g. 404 for an unknown route answered as UNSUPPORTED). */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

export class OciError extends Error {
  override readonly name = 'OciError';
  readonly status: number;
  readonly detail?: unknown;
  readonly headers: Readonly<Record<string, string>>;

  constructor(readonly code: OciErrorCode, message?: string, options: OciErrorOptions = {}) {
    super(message ?? OCI_ERROR_CODES[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status ?? OCI_ERROR_CODES[code].status;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }

  toWire(): { code: OciErrorCode; message: string; detail?: unknown } {
    return this.detail === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, detail: this.detail };
  }
}

/** How long clients should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5;

export function unavailable(message: string, cause?: unknown): OciError {
  return new OciError('UNAVAILABLE', message, { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) }, cause });
}
