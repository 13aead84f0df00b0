// Which failures at the artifact doors go to the gateway's log, and how: those the operator must
// fix. An internal error or a full disk, and a data dir the gateway cannot write (read-only, or
// permissions changed under it); that one is answered UNAVAILABLE like a busy chain or IPFS node,
// which are not logged (they say so themselves, and a client retries), but only the log tells the
// operator which path to fix. The line is the OCI API's (`errors/failure-log.ts`).
import type { ArtifactError } from '../artifacts/errors';
import { dataDirFault } from '../errors/data-dir-fault';
import { logFailure } from '../errors/failure-log';

export function logDoorFailure(log: (line: string) => void, door: string, failure: ArtifactError): void {
  const operatorsToFix = failure.code === 'INTERNAL' || failure.code === 'STORAGE_FULL' || dataDirFault(failure.cause) !== undefined;
  if (operatorsToFix) logFailure(log, door, failure.message, failure.cause);
}
