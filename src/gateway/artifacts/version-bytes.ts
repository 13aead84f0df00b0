// What one more file of a version may hold: the per-file bound, or what the bound on all of the
// version's files together leaves, whichever is less, and the refusal that names the bound hit.
import type { GatewayContext } from '../context';

export interface FileAllowance {
  readonly maxBytes: number;
  /** The 413's message when the version's bound is the one hit; undefined: the file's own bound. */
  readonly tooLarge?: string;
}

/** The allowance of the next file of a version whose files so far hold `receivedBytes`. */
export function nextFileAllowance(ctx: GatewayContext, receivedBytes: number, what: string): FileAllowance {
  const { maxFileBytes, maxVersionBytes } = ctx.artifacts;
  const left = Math.max(0, maxVersionBytes - receivedBytes);
  if (left >= maxFileBytes) return { maxBytes: maxFileBytes };
  return {
    maxBytes: left,
    tooLarge: `the files of one version hold at most ${maxVersionBytes} bytes together, and ${what} goes past that (${receivedBytes} bytes came before it): send fewer or smaller files (its operator sets the bound: gateway.limits.artifacts.maxVersionBytes); nothing was stored`,
  };
}
