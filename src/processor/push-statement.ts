// Who pushed, as the signer of a push states it. The chain records pushes as the space owner
// (a gateway signs them as the owner's proxy), so the member who pushed through a gateway is
// known only to the gateway; it says so in a `System.remark("hcr:pushed-by:<address>")` in the
// same batch (src/gateway/push/chain-recorder.ts). Anyone can write a remark: the index keeps the
// statement with who signed it, and nothing on chain checks it.
import { decodeAddress } from '@polkadot/util-crypto';
import { PUSHED_BY_PREFIX } from '../chain/calls';
import { toAddress } from './addresses';
import type { Call } from './processor';

export interface PushStatement {
  /** The pusher's address as stated. */
  readonly pushedBy: string;
}

const BATCH_CALLS = new Set(['Utility.batch', 'Utility.batch_all', 'Utility.force_batch']);
const REMARKS = new Set(['remark', 'remark_with_event']);

/** One statement per batch call, found once however many records the batch holds. */
const statements = new WeakMap<object, PushStatement | null>();

/** The pushed-by statement of the batch the call that emitted a registry event ran in, if any. */
export function pushStatementOf(call: Call | undefined): PushStatement | null {
  const batch = call?.parentCall;
  if (!batch || !BATCH_CALLS.has(batch.name)) return null;
  let statement = statements.get(batch);
  if (statement === undefined) {
    statement = findStatement((batch.args as { calls?: unknown } | undefined)?.calls);
    statements.set(batch, statement);
  }
  return statement;
}

function findStatement(calls: unknown): PushStatement | null {
  if (!Array.isArray(calls)) return null;
  for (const item of calls as { __kind?: string; value?: { __kind?: string; remark?: unknown } }[]) {
    if (item?.__kind !== 'System' || !REMARKS.has(item.value?.__kind ?? '') || typeof item.value?.remark !== 'string') continue;
    const text = Buffer.from(item.value.remark.slice(2), 'hex').toString('utf8');
    if (!text.startsWith(PUSHED_BY_PREFIX)) continue;
    try {
      return { pushedBy: toAddress(`0x${Buffer.from(decodeAddress(text.slice(PUSHED_BY_PREFIX.length))).toString('hex')}`) };
    } catch {
      return null;
    }
  }
  return null;
}
