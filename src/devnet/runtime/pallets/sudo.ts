// Sudo (index 3): the dev chain's root key (//Alice at genesis) dispatches calls as Root.
// As pallet_sudo declares them, sudo and sudo_as weigh their own part plus the call they
// dispatch and take that call's dispatch class (sudo of an Operational call is Operational, of a
// Normal one Normal); sudo_unchecked_weight takes the weight it is given and the call's class;
// set_key and remove_key are Normal calls. Each returns `Pays::No` when it succeeds (whatever the
// call it dispatched did): the sudo key pays only the tip.
import { u8aEq } from '@polkadot/util';
import type { Call } from '@polkadot/types/interfaces';
import type { Codec } from '@polkadot/types/types';
import { addWeights, type DispatchClass, type DispatchContext, ensureSigned, moduleError, weight } from '../dispatch';
import type { PalletModule } from '../pallet';
import { NONE_FALLBACK } from '../pallet';
import { lookupAddress } from '../address';

const requireSudo = () => moduleError(3, 0);

function ensureSudo(ctx: DispatchContext, who: Uint8Array): void {
  const key = ctx.store.item('Sudo', 'Key').get();
  if (!key || !u8aEq(key.toU8a(), who)) throw requireSudo();
}

const result = (failure: { error: unknown } | null) => (failure ? { Err: failure.error } : { Ok: null });

/** The class of the call in argument `index`. */
const classOfArg = (index: number) => (call: Call, classify: (inner: Call) => DispatchClass) => classify(call.args[index] as unknown as Call);

export const sudo: PalletModule = {
  name: 'Sudo',
  index: 3,
  describe(_b, t) {
    const call = { name: 'call', type: t.runtimeCall, typeName: 'Box<<T as Config>::RuntimeCall>' };
    const sudoResult = { name: 'sudo_result', type: t.dispatchResult, typeName: 'DispatchResult' };
    return {
      modulePath: 'pallet_sudo::pallet',
      generics: ['T'],
      storage: [{ name: 'Key', modifier: 'Optional', type: { plain: t.accountId }, fallback: NONE_FALLBACK, docs: ['The `AccountId` of the sudo key.'] }],
      calls: [
        { name: 'sudo', index: 0, args: [call], docs: ['Authenticates the sudo key and dispatches a function call with `Root` origin.'] },
        { name: 'sudo_unchecked_weight', index: 1, args: [call, { name: 'weight', type: t.weight, typeName: 'Weight' }], docs: ['As `sudo`, with a given weight.'] },
        { name: 'set_key', index: 2, args: [{ name: 'new', type: t.multiAddress, typeName: 'AccountIdLookupOf<T>' }], docs: ['Authenticates the current sudo key and sets the given account as the new sudo key.'] },
        { name: 'sudo_as', index: 3, args: [{ name: 'who', type: t.multiAddress, typeName: 'AccountIdLookupOf<T>' }, call], docs: ['Dispatches a call with a `Signed` origin from a given account.'] },
        { name: 'remove_key', index: 4, args: [], docs: ['Permanently removes the sudo key.'] },
      ],
      events: [
        { name: 'Sudid', index: 0, fields: [sudoResult] },
        { name: 'KeyChanged', index: 1, fields: [{ name: 'old', type: t.optionAccountId, typeName: 'Option<T::AccountId>' }, { name: 'new', type: t.accountId, typeName: 'T::AccountId' }] },
        { name: 'KeyRemoved', index: 2 },
        { name: 'SudoAsDone', index: 3, fields: [sudoResult] },
      ],
      errors: [{ name: 'RequireSudo', index: 0, docs: ['Sender must be the Sudo account.'] }],
      constants: [],
    };
  },
  handlers: {
    sudo: {
      paysNoOnSuccess: true,
      class: classOfArg(0),
      weight: (c, weigh) => addWeights(weigh(c.args[0] as unknown as Call), weight(10_000_000)),
      run(ctx, origin, [call]) {
        ensureSudo(ctx, ensureSigned(origin));
        ctx.deposit('Sudo', 'Sudid', [result(ctx.dispatch({ kind: 'root' }, call as unknown as Call))]);
      },
    },
    sudo_unchecked_weight: {
      paysNoOnSuccess: true,
      class: classOfArg(0),
      weight: (c) => {
        const w = c.args[1] as unknown as { refTime: Codec; proofSize: Codec };
        return { refTime: BigInt(w.refTime.toString()), proofSize: BigInt(w.proofSize.toString()) };
      },
      run(ctx, origin, [call]) {
        ensureSudo(ctx, ensureSigned(origin));
        ctx.deposit('Sudo', 'Sudid', [result(ctx.dispatch({ kind: 'root' }, call as unknown as Call))]);
      },
    },
    set_key: {
      paysNoOnSuccess: true,
      weight: () => weight(10_000_000),
      run(ctx, origin, [address]) {
        const who = ensureSigned(origin);
        ensureSudo(ctx, who);
        const next = lookupAddress(address);
        ctx.store.item('Sudo', 'Key').set(next);
        ctx.deposit('Sudo', 'KeyChanged', [who, next]);
      },
    },
    sudo_as: {
      paysNoOnSuccess: true,
      class: classOfArg(1),
      weight: (c, weigh) => addWeights(weigh(c.args[1] as unknown as Call), weight(10_000_000)),
      run(ctx, origin, [address, call]) {
        ensureSudo(ctx, ensureSigned(origin));
        const failure = ctx.dispatch({ kind: 'signed', who: lookupAddress(address) }, call as unknown as Call);
        ctx.deposit('Sudo', 'SudoAsDone', [result(failure)]);
      },
    },
    remove_key: {
      paysNoOnSuccess: true,
      weight: () => weight(10_000_000),
      run(ctx, origin) {
        ensureSudo(ctx, ensureSigned(origin));
        ctx.store.item('Sudo', 'Key').remove();
        ctx.deposit('Sudo', 'KeyRemoved', []);
      },
    },
  },
};
