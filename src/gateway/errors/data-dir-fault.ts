// A data dir the gateway can no longer write while it runs: its file system turned read-only
// (EROFS), or an operator changed the permissions or ownership of a folder in it (EACCES, EPERM;
// `chattr +i` refuses even root). Either way no retry of the client's helps until the operator
// fixes the disk, yet it is no fault of the gateway's code: a retryable 503 that names the problem
// and the fix, and the path goes to the log (clients are not told where the data dir is).
import { unavailable, type OciError } from './oci-error';

const PERMISSION_CODES = new Set(['EACCES', 'EPERM']);

/**
 * The file-system error under `error` (itself, or a cause it wraps) that says the data dir cannot
 * be written. EACCES and EPERM count only with a `path`: sockets answer them too (a port below
 * 1024, a firewall), and those are no word on the disk.
 */
export function dataDirFault(error: unknown): NodeJS.ErrnoException | undefined {
  for (let e = error as NodeJS.ErrnoException | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === 'EROFS') return e;
    if (typeof e.code === 'string' && PERMISSION_CODES.has(e.code) && typeof e.path === 'string') return e;
  }
  return undefined;
}

/** The answer for a data dir fault, or undefined for any other error. */
export function dataDirFaultError(error: unknown): OciError | undefined {
  const fault = dataDirFault(error);
  if (!fault) return undefined;
  if (fault.code === 'EROFS') {
    return unavailable('the gateway\'s data dir is on a read-only file system (EROFS), so nothing of this request was stored; the gateway\'s operator must make it writable again (check the disk, remount it read-write; the gateway log names the file), then retry', error);
  }
  return unavailable(`the gateway's user may not write a path in its data dir (${fault.code}: permission denied), so the gateway could not finish this request; the gateway's operator must fix the permissions or ownership of the data dir (chown -R it to the gateway's user, chmod -R u+rwX, chattr -i; the gateway log names the path), then retry`, error);
}
