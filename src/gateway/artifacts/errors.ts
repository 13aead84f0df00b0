// What goes wrong at the artifact front doors, independent of any one wire format: each door
// (firmware REST, packages REST, the plugin registry's gRPC) turns an ArtifactError into its own
// API's error style. Errors of the machinery underneath (the OCI push path, the chain, IPFS) are
// mapped here once, so every door says the same thing about the same failure.
import { isFullDisk, toOciError } from '../errors/from-internal';
import type { OciError } from '../errors/oci-error';

export const ARTIFACT_ERRORS = {
  INVALID_NAME: 400,
  INVALID_VERSION: 400,
  INVALID_METADATA: 400,
  MISSING_PART: 400,
  TOO_LARGE: 413,
  DIGEST_MISMATCH: 400,
  VERSION_EXISTS: 409,
  NOT_FOUND: 404,
  NO_MATCH: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  READ_ONLY: 403,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
  /** The gateway's disk is full: its operator's to fix, and logged for them like INTERNAL. */
  STORAGE_FULL: 507,
} as const;

export type ArtifactErrorCode = keyof typeof ARTIFACT_ERRORS;

export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
  readonly status: number;

  constructor(readonly code: ArtifactErrorCode, message: string, readonly options: { field?: string; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = ARTIFACT_ERRORS[code];
  }
}

const FROM_OCI: Partial<Record<OciError['code'], ArtifactErrorCode>> = {
  NAME_INVALID: 'INVALID_NAME',
  NAME_UNKNOWN: 'NOT_FOUND',
  MANIFEST_UNKNOWN: 'NOT_FOUND',
  BLOB_UNKNOWN: 'NOT_FOUND',
  MANIFEST_INVALID: 'INVALID_METADATA',
  DIGEST_INVALID: 'DIGEST_MISMATCH',
  SIZE_INVALID: 'TOO_LARGE',
  UNAUTHORIZED: 'UNAUTHORIZED',
  DENIED: 'FORBIDDEN',
  NAME_CONTESTED: 'FORBIDDEN',
  TOOMANYREQUESTS: 'TOO_MANY_REQUESTS',
  UNAVAILABLE: 'UNAVAILABLE',
};

/** Any failure as an ArtifactError: OCI errors by their code, the rest through the gateway's one mapping. */
export function toArtifactError(error: unknown): ArtifactError {
  if (error instanceof ArtifactError) return error;
  const oci = toOciError(error);
  if (isFullDisk(error)) return new ArtifactError('STORAGE_FULL', oci.message, { cause: error });
  const code = FROM_OCI[oci.code] ?? (oci.status >= 500 ? (oci.status === 503 ? 'UNAVAILABLE' : 'INTERNAL') : 'INVALID_METADATA');
  const retry = oci.headers['Retry-After'];
  return new ArtifactError(code, oci.message, { cause: error, retryAfterSeconds: retry === undefined ? undefined : Number(retry) });
}
