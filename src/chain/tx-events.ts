// Reading an included extrinsic's events: finding one, and deciding whether it failed. A
// proxied or batched call fails without failing the extrinsic (ExtrinsicSuccess is still
// emitted), so its result events have to be checked too.
import type { Result, Null, u32 } from '@polkadot/types';
import type { DispatchError, Event, EventRecord } from '@polkadot/types/interfaces';
import type { Registry } from '@polkadot/types/types';
import { decodeDispatchError } from './dispatch-error';
import type { BatchItemFailure, ChainTxErrorDetails } from './tx-error';

/** The first event `section.method` (polkadot.js names: `containerRegistry`, `SpaceCreated`). */
export function findEvent(events: readonly EventRecord[], section: string, method: string): Event | undefined {
  return events.find(({ event }) => event.section === section && event.method === method)?.event;
}

export function filterEvents(events: readonly EventRecord[], section: string, method: string): Event[] {
  return events.filter(({ event }) => event.section === section && event.method === method).map(({ event }) => event);
}

type Failure = Omit<ChainTxErrorDetails, 'kind' | 'txHash' | 'blockHash' | 'events'>;

/** Events whose only field is the DispatchResult of a call dispatched on someone's behalf. */
const NESTED_RESULTS: Record<string, string> = {
  'proxy.ProxyExecuted': 'in the proxied call',
  'sudo.Sudid': 'in the sudo call',
  'sudo.SudoAsDone': 'in the sudo_as call',
  'utility.DispatchedAs': 'in the dispatch_as call',
};

const is = (event: Event, name: string) => `${event.section}.${event.method}` === name;

/** Why the extrinsic with these events failed, or undefined when everything in it succeeded. */
export function txFailure(registry: Registry, events: readonly EventRecord[]): Failure | undefined {
  const list = events.map(({ event }) => event);
  const failed = list.find((e) => is(e, 'system.ExtrinsicFailed'));
  if (failed) return decodeDispatchError(registry, failed.data[0] as DispatchError);

  for (const event of list) {
    const context = NESTED_RESULTS[`${event.section}.${event.method}`];
    const result = event.data[0] as unknown as Result<Null, DispatchError>;
    if (context && result.isErr) return { ...decodeDispatchError(registry, result.asErr), context };
  }

  const interrupted = list.find((e) => is(e, 'utility.BatchInterrupted'));
  if (interrupted) {
    const index = (interrupted.data[0] as u32).toNumber();
    const error = decodeDispatchError(registry, interrupted.data[1] as DispatchError);
    return { ...error, batchIndex: index, failures: [{ ...error, index }], context: `in batch call #${index}, counting from 0; the calls before it were applied` };
  }

  const failures = forceBatchFailures(registry, list);
  if (failures.length) {
    const [first] = failures;
    const total = list.filter((e) => is(e, 'utility.ItemCompleted') || is(e, 'utility.ItemFailed')).length;
    const summary = failures.map((f) => `#${f.index} ${f.module}.${f.name}`).join(', ');
    return { ...first, batchIndex: first.index, failures, context: `${failures.length} of ${total} batch calls failed: ${summary}; the others were applied` };
  }
  return undefined;
}

/** force_batch reports each call as ItemCompleted or ItemFailed, in order: the position is the index. */
function forceBatchFailures(registry: Registry, list: readonly Event[]): BatchItemFailure[] {
  const failures: BatchItemFailure[] = [];
  let index = 0;
  for (const event of list) {
    if (is(event, 'utility.ItemFailed')) failures.push({ ...decodeDispatchError(registry, event.data[0] as DispatchError), index });
    if (is(event, 'utility.ItemCompleted') || is(event, 'utility.ItemFailed')) index++;
  }
  return failures;
}
