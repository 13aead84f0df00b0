// What the plugin registry's admission needs to bound the memory of RegisterPlugin messages
// (message-budget.ts), and how it answers a call the bound refuses or one whose message is late.
import type { UploadRefusal } from '../../../limits/upload-admission';
import type { MessageBudget } from './message-budget';

export interface PluginMessageMemory {
  readonly budget: MessageBudget;
  /** The largest message the server accepts: what a call holds until its message arrived. */
  readonly maxMessageBytes: number;
  /**
   * How long an admitted call's message may take to arrive. A call holds its share meanwhile:
   * without a deadline, calls that send their metadata and never their message would hold the
   * budget for good.
   */
  readonly arrivalMs: number;
  /** How long a call waits for room in the budget before it is refused (retryable). */
  readonly waitMs: number;
}

export const DEFAULT_BUDGET_WAIT_MS = 5_000;

/** Slow enough for any working link: the default deadline lets the largest message arrive at this rate. */
const SLOWEST_BYTES_PER_SECOND = 512 * 1024;

export function defaultArrivalMs(maxMessageBytes: number): number {
  return Math.max(30_000, Math.ceil((maxMessageBytes / SLOWEST_BYTES_PER_SECOND) * 1000));
}

const BUDGET_RETRY_SECONDS = 5;
const mib = (bytes: number) => `${Math.round((bytes / 1024 ** 2) * 10) / 10} MiB`;

export function budgetRefusal(memory: PluginMessageMemory): UploadRefusal {
  return {
    limit: 'upload_concurrency',
    retryAfterSeconds: BUDGET_RETRY_SECONDS,
    message: `the gateway is receiving as many plugin messages as it holds in memory at once, and no room was made within ${Math.round(memory.waitMs / 1000)} s (${mib(memory.budget.totalBytes)} over every publisher, half of it for one account; a call counts as the largest message, ${mib(memory.maxMessageBytes)}, until its message arrived): retry in ${BUDGET_RETRY_SECONDS} s. A plugin given as /ipfs/<cid> (content the gateway's IPFS node holds) or as a path under --plugin-dir is not held in memory`,
  };
}

export function lateMessage(memory: PluginMessageMemory): string {
  return `the RegisterPlugin message did not arrive within ${Math.round(memory.arrivalMs / 1000)} s of the call's metadata, and a call waiting for it holds room that other publishers need: send it again from a faster link, or give the plugin as /ipfs/<cid> (content the gateway's IPFS node holds), which makes a small message`;
}
