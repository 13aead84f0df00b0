// The gateway log's line for a failed request, shared by the OCI API and the artifact doors so
// that both tell the operator the same: what the client was answered, and the error underneath
// with its stack and, for a file-system error, the path.
import { dataDirFault } from './data-dir-fault';

export function logFailure(log: (line: string) => void, where: string, answered: string, cause: unknown): void {
  log(`${where}: ${answered}${cause ? ` (${describeCause(cause)})` : ''}`);
}

function describeCause(cause: unknown): string {
  const stack = (cause as Error | undefined)?.stack ?? String(cause);
  // A data dir fault wrapped in another error: the wrapper's stack does not name the path.
  const fault = dataDirFault(cause);
  return fault && fault !== cause && !stack.includes(fault.message) ? `${stack}; caused by ${fault.message}` : stack;
}
