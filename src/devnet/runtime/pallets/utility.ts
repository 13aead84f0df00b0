// Utility (index 31): batch (stops at the first failure, keeps what succeeded), batch_all
// (all or nothing) and force_batch (runs everything), with their events. Dispatch classes are
// pallet_utility's: a batch is Operational when none of its calls is Normal (an empty batch
// too), Normal otherwise; as_derivative and with_weight take the class of the call they wrap.
import type { Call } from '@polkadot/types/interfaces';
import type { Codec } from '@polkadot/types/types';
import { u8aConcat, stringToU8a, bnToU8a } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { addWeights, type DispatchClass, DispatchFailure, ensureSigned, type Weight, weight } from '../dispatch';
import type { PalletModule } from '../pallet';
import { encodeU32 } from '../constants';

/** Hippius's batched_calls_limit. */
export const BATCHED_CALLS_LIMIT = 10_922;

/** pallet_utility's derivative account: blake2_256("modlpy/utilisuba" ++ who ++ index). */
export function derivativeAccount(who: Uint8Array, index: number): Uint8Array {
  return blake2AsU8a(u8aConcat(stringToU8a('modlpy/utilisuba'), who, bnToU8a(index, { bitLength: 16 })));
}

const callsOf = (arg: Codec) => arg as unknown as Call[];

function batchWeight(call: Call, weigh: (inner: Call) => Weight): Weight {
  return callsOf(call.args[0]).reduce((sum, inner) => addWeights(sum, weigh(inner)), weight(5_000_000));
}

function batchClass(call: Call, classify: (inner: Call) => DispatchClass): DispatchClass {
  return callsOf(call.args[0]).some((inner) => classify(inner) === 'Normal') ? 'Normal' : 'Operational';
}

const classOfArg = (index: number) => (call: Call, classify: (inner: Call) => DispatchClass) => classify(call.args[index] as unknown as Call);

function ensureLimit(calls: Call[]): void {
  if (calls.length > BATCHED_CALLS_LIMIT) throw new DispatchFailure({ Module: { index: 31, error: [0, 0, 0, 0] } });
}

export const utility: PalletModule = {
  name: 'Utility',
  index: 31,
  describe(b, t) {
    const calls = { name: 'calls', type: b.sequence(t.runtimeCall), typeName: 'Vec<<T as Config>::RuntimeCall>' };
    const boxedCall = { name: 'call', type: t.runtimeCall, typeName: 'Box<<T as Config>::RuntimeCall>' };
    return {
      modulePath: 'pallet_utility::pallet',
      generics: ['T'],
      storage: [],
      calls: [
        { name: 'batch', index: 0, args: [calls], docs: ['Send a batch of dispatch calls; stops at the first failure.'] },
        { name: 'as_derivative', index: 1, args: [{ name: 'index', type: t.u16, typeName: 'u16' }, boxedCall], docs: ['Send a call through an indexed pseudonym of the sender.'] },
        { name: 'batch_all', index: 2, args: [calls], docs: ['Send a batch of dispatch calls and atomically execute them.'] },
        { name: 'force_batch', index: 4, args: [calls], docs: ['Send a batch of dispatch calls; failures do not stop the others.'] },
        { name: 'with_weight', index: 5, args: [boxedCall, { name: 'weight', type: t.weight, typeName: 'Weight' }], docs: ['Dispatch a function call with a specified weight (root only).'] },
      ],
      events: [
        { name: 'BatchInterrupted', index: 0, fields: [{ name: 'index', type: t.u32, typeName: 'u32' }, { name: 'error', type: t.dispatchError, typeName: 'DispatchError' }] },
        { name: 'BatchCompleted', index: 1 },
        { name: 'BatchCompletedWithErrors', index: 2 },
        { name: 'ItemCompleted', index: 3 },
        { name: 'ItemFailed', index: 4, fields: [{ name: 'error', type: t.dispatchError, typeName: 'DispatchError' }] },
        { name: 'DispatchedAs', index: 5, fields: [{ name: 'result', type: t.dispatchResult, typeName: 'DispatchResult' }] },
      ],
      errors: [{ name: 'TooManyCalls', index: 0, docs: ['Too many calls batched.'] }],
      constants: [{ name: 'batched_calls_limit', type: t.u32, value: encodeU32(BATCHED_CALLS_LIMIT), docs: ['The limit on the number of batched calls.'] }],
    };
  },
  handlers: {
    batch: {
      weight: batchWeight,
      class: batchClass,
      run(ctx, origin, [arg]) {
        const calls = callsOf(arg);
        ensureLimit(calls);
        for (const [index, call] of calls.entries()) {
          const failure = ctx.dispatch(origin, call);
          if (failure) {
            ctx.deposit('Utility', 'BatchInterrupted', [index, failure.error]);
            return;
          }
          ctx.deposit('Utility', 'ItemCompleted', []);
        }
        ctx.deposit('Utility', 'BatchCompleted', []);
      },
    },
    batch_all: {
      weight: batchWeight,
      class: batchClass,
      run(ctx, origin, [arg]) {
        const calls = callsOf(arg);
        ensureLimit(calls);
        for (const call of calls) {
          const failure = ctx.dispatch(origin, call);
          // Thrown, so the whole batch (and every event it deposited) is reverted.
          if (failure) throw failure;
          ctx.deposit('Utility', 'ItemCompleted', []);
        }
        ctx.deposit('Utility', 'BatchCompleted', []);
      },
    },
    force_batch: {
      weight: batchWeight,
      class: batchClass,
      run(ctx, origin, [arg]) {
        const calls = callsOf(arg);
        ensureLimit(calls);
        let failed = false;
        for (const call of calls) {
          const failure = ctx.dispatch(origin, call);
          if (failure) {
            failed = true;
            ctx.deposit('Utility', 'ItemFailed', [failure.error]);
          } else ctx.deposit('Utility', 'ItemCompleted', []);
        }
        ctx.deposit('Utility', failed ? 'BatchCompletedWithErrors' : 'BatchCompleted', []);
      },
    },
    as_derivative: {
      class: classOfArg(1),
      weight: (call, weigh) => addWeights(weigh(call.args[1] as unknown as Call), weight(5_000_000)),
      run(ctx, origin, [index, call]) {
        const who = ensureSigned(origin);
        const derived = derivativeAccount(who, Number(index.toString()));
        const proxyType = origin.kind === 'signed' ? origin.proxyType : undefined;
        const failure = ctx.dispatch({ kind: 'signed', who: derived, proxyType }, call as unknown as Call);
        if (failure) throw failure;
      },
    },
    with_weight: {
      class: classOfArg(0),
      weight: (call) => {
        const w = call.args[1] as unknown as { refTime: Codec; proofSize: Codec };
        return { refTime: BigInt(w.refTime.toString()), proofSize: BigInt(w.proofSize.toString()) };
      },
      run(ctx, origin, [call]) {
        if (origin.kind !== 'root') throw new DispatchFailure('BadOrigin');
        const failure = ctx.dispatch(origin, call as unknown as Call);
        if (failure) throw failure;
      },
    },
  },
};
