import type { ActionContext } from '../action-context';
import { toAddress } from '../addresses';

/** The context columns every action row carries (see schema.graphql). */
export function contextColumns(ctx: ActionContext) {
  return {
    blockNumber: ctx.blockNumber,
    blockHash: ctx.blockHash,
    timestamp: ctx.timestamp,
    extrinsicHash: ctx.extrinsicHash,
    signer: ctx.signer === null ? null : toAddress(ctx.signer),
    proxy: ctx.proxy === null ? null : toAddress(ctx.proxy),
  };
}
