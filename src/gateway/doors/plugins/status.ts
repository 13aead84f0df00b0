// The plugin registry answers errors as gRPC statuses: each ArtifactError's code as the status
// that means it, the message naming the problem and the fix. A failure that says when to try again
// (a publish past its account's rate, an index that is busy or down) carries `retry-after`
// metadata in seconds, as the HTTP doors send Retry-After and the admission refusals do.
import { type ServiceError, status as Status, Metadata } from '@grpc/grpc-js';
import { type ArtifactErrorCode, toArtifactError } from '../../artifacts/errors';
import { logDoorFailure } from '../logged-failure';

const STATUS: Record<ArtifactErrorCode, Status> = {
  INVALID_NAME: Status.INVALID_ARGUMENT,
  INVALID_VERSION: Status.INVALID_ARGUMENT,
  INVALID_METADATA: Status.INVALID_ARGUMENT,
  MISSING_PART: Status.INVALID_ARGUMENT,
  DIGEST_MISMATCH: Status.INVALID_ARGUMENT,
  TOO_LARGE: Status.RESOURCE_EXHAUSTED,
  VERSION_EXISTS: Status.ALREADY_EXISTS,
  NOT_FOUND: Status.NOT_FOUND,
  NO_MATCH: Status.NOT_FOUND,
  UNAUTHORIZED: Status.UNAUTHENTICATED,
  FORBIDDEN: Status.PERMISSION_DENIED,
  READ_ONLY: Status.PERMISSION_DENIED,
  TOO_MANY_REQUESTS: Status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: Status.UNAVAILABLE,
  INTERNAL: Status.INTERNAL,
  STORAGE_FULL: Status.RESOURCE_EXHAUSTED,
};

export function grpcError(error: unknown, log: (line: string) => void): Partial<ServiceError> {
  const failure = toArtifactError(error);
  logDoorFailure(log, 'plugins', failure);
  const metadata = new Metadata();
  metadata.set('hcr-error-code', failure.code);
  if (failure.options.field) metadata.set('hcr-error-field', failure.options.field);
  const retryAfter = failure.options.retryAfterSeconds;
  if (retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) metadata.set('retry-after', String(Math.ceil(retryAfter)));
  return { code: STATUS[failure.code], details: failure.message, metadata };
}
