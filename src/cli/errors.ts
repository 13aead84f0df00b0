// CLI failures: a message that names the problem and the fix, and an exit code scripts can use.
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Exit codes: 0 ok, 1 failure reported by the chain or a service, 2 bad usage or input, 3
 * unreachable dependency, 130 stopped by a signal before the work was done (as shells report Ctrl-C).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, stopped: 130 } as const;

export function parseNonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${flag} takes a whole number ≥ 0, got "${value}"`, EXIT.usage);
  return n;
}
