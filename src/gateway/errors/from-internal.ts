// The one place internal errors become wire errors: IPFS and chain failures, refused
// transactions and invalid input each map to an OCI code; anything else is UNKNOWN (500).
import { ChainTxError, InvalidInputError } from '../../chain';
import { OciError, unavailable } from './oci-error';
import { dataDirFaultError } from './data-dir-fault';
import { scrub } from '../../observability/redact';

/** The chain cannot be reached (disconnected, or a read timed out). */
export class ChainUnavailableError extends Error {
  override readonly name = 'ChainUnavailableError';
}

const CHAIN_DENIALS = new Set(['Proxy.NotProxy', 'Proxy.Unproxyable', 'ContainerRegistry.NotSpaceOwner', 'ContainerRegistry.NotAuthorized', 'System.CallFiltered']);
const CHAIN_UNKNOWN_NAMES = new Set(['ContainerRegistry.SpaceDoesNotExist', 'ContainerRegistry.SpaceNotFound', 'ContainerRegistry.RepositoryNotFound']);

const INPUT_FIELDS: Record<string, OciError['code']> = { repo: 'NAME_INVALID', image: 'NAME_INVALID', name: 'NAME_INVALID', digest: 'DIGEST_INVALID', tag: 'MANIFEST_INVALID', cid: 'MANIFEST_INVALID' };

export function toOciError(error: unknown): OciError {
  if (error instanceof OciError) return error;
  const name = (error as Error | undefined)?.name;
  // Clients see it: an IPFS or chain URL in it loses any credentials it carries.
  const message = scrub(String((error as Error | undefined)?.message ?? error));
  if (name === 'BlobStoreUnavailableError') return unavailable(`IPFS is unavailable (${message}); retry shortly, or check IPFS_API and the IPFS node`, error);
  if (name === 'BlobNotFoundError') return new OciError('BLOB_UNKNOWN', `the content is recorded but IPFS does not have it (${message}); it may still be propagating, retry later`, { cause: error });
  if (name === 'NotAFileError') return new OciError('BLOB_UNKNOWN', `the content a chain record points at is not a file this registry can serve (${message}); the record needs to be pushed again`, { status: 502, cause: error });
  if (name === 'InvalidCidError') return new OciError('MANIFEST_INVALID', `a CID recorded on chain is not a valid CID (${message})`, { status: 502, cause: error });
  if (name === 'ChainUnavailableError' || name === 'ChainConnectionError') return unavailable(`${message}; retry shortly`, error);
  if (error instanceof InvalidInputError) return new OciError(INPUT_FIELDS[error.field] ?? 'MANIFEST_INVALID', message, { cause: error });
  if (error instanceof ChainTxError) return chainTxError(error);
  const fullDisk = fullDiskError(error);
  if (fullDisk) return fullDisk;
  const dataDir = dataDirFaultError(error);
  if (dataDir) return dataDir;
  if (/disconnected from ws|WebSocket is not connected/i.test(message)) return unavailable(`the chain connection dropped (${message}); retry shortly`, error);
  // Express's body parsers mark client errors with a 4xx status.
  const status = (error as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new OciError(bodyErrorCode(status, (error as { type?: unknown }).type), `the request could not be read (${message}); check its body and Content-Type`, { status, cause: error });
  }
  return new OciError('UNKNOWN', 'internal error; the gateway log has the details', { cause: error });
}

/**
 * A full disk (or a used-up quota) under the data dir is the operator's to fix, not the client's:
 * 507 names it, so a pusher knows that retrying at once will not help. The file's path stays in
 * the gateway's log (clients are not told where the data dir is).
 */
function fullDiskError(error: unknown): OciError | undefined {
  if (!isFullDisk(error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  const what = code === 'ENOSPC' ? 'the gateway\'s disk is full' : 'the gateway\'s disk quota is used up';
  return new OciError('UNAVAILABLE', `${what} (${code}), so nothing of this request was stored; the gateway's operator must free space where its data dir is (the gateway log names the file), then retry`, { status: 507, cause: error });
}

/** A write refused because the disk (or the user's quota on it) has no room left. */
export function isFullDisk(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** body-parser's error types (and, for others, the status) as the code that names the problem. */
const BODY_ERROR_CODES: Record<string, OciError['code']> = {
  'entity.too.large': 'SIZE_INVALID',
  'parameters.too.many': 'SIZE_INVALID',
  // The body was shorter or longer than its Content-Length.
  'request.size.invalid': 'SIZE_INVALID',
  'request.aborted': 'SIZE_INVALID',
  'entity.verify.failed': 'DENIED',
};
const STATUS_CODES: Record<number, OciError['code']> = { 401: 'UNAUTHORIZED', 403: 'DENIED', 413: 'SIZE_INVALID', 416: 'RANGE_INVALID', 429: 'TOOMANYREQUESTS' };

function bodyErrorCode(status: number, type: unknown): OciError['code'] {
  return (typeof type === 'string' ? BODY_ERROR_CODES[type] : undefined) ?? STATUS_CODES[status] ?? 'UNSUPPORTED';
}

function chainTxError(error: ChainTxError): OciError {
  if (error.kind === 'timeout' || error.kind === 'disconnected' || error.kind === 'pool') {
    return unavailable(`the chain did not confirm the record (${error.message}); retry the push`, error);
  }
  if (error.kind === 'invalid' || error.kind === 'signing') {
    return unavailable(`the chain refused the gateway's transaction (${error.message}); nothing was recorded, retry the push`, error);
  }
  if (CHAIN_DENIALS.has(error.code)) return new OciError('DENIED', `the chain refused the record: ${error.message}`, { cause: error });
  if (CHAIN_UNKNOWN_NAMES.has(error.code)) return new OciError('NAME_UNKNOWN', `the chain refused the record: ${error.message}`, { cause: error });
  if (error.module === 'ContainerRegistry') return new OciError('DENIED', `the chain refused the record, nothing was recorded: ${error.message}`, { cause: error });
  return new OciError('UNKNOWN', `the chain refused the record, nothing was recorded: ${error.message}`, { cause: error });
}
