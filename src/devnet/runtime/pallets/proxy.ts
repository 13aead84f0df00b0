// Proxy (index 44): an account lets a delegate act for it within a ProxyType's filter. The
// gateway records pushes as `proxy(owner, NonTransfer, batch_all([...]))`; Hippius's NonTransfer
// allows every call except Balances.
import { u8aEq } from '@polkadot/util';
import type { Call } from '@polkadot/types/interfaces';
import type { Codec } from '@polkadot/types/types';
import { addWeights, type DispatchContext, ensureSigned, moduleError, type ProxyTypeName, weight } from '../dispatch';
import type { PalletModule } from '../pallet';
import { lookupAddress } from '../address';
import { encodeU128, encodeU32 } from '../constants';

const INDEX = 44;
export const MAX_PROXIES = 32;
const ERRORS = ['TooMany', 'NotFound', 'NotProxy', 'Unproxyable', 'Duplicate', 'NoPermission', 'Unannounced', 'NoSelfProxy'] as const;
const ERROR_DOCS: Record<(typeof ERRORS)[number], string> = {
  TooMany: 'There are too many proxies registered.',
  NotFound: 'Proxy registration not found.',
  NotProxy: 'Sender is not a proxy of the account to be proxied.',
  Unproxyable: 'A call which is incompatible with the proxy type\'s filter was attempted.',
  Duplicate: 'Account is already a proxy.',
  NoPermission: 'Call may not be made by proxy because it may escalate its privileges.',
  Unannounced: 'Announcement, if made at all, was made too recently.',
  NoSelfProxy: 'Cannot add self as proxy.',
};
const fail = (name: (typeof ERRORS)[number]) => moduleError(INDEX, ERRORS.indexOf(name));

interface ProxyDefinition {
  delegate: Uint8Array;
  proxyType: ProxyTypeName;
  delay: bigint;
}

/** Whether a proxy of `type` may dispatch `call` (Hippius's InstanceFilter for the types used). */
export function proxyTypeAllows(type: ProxyTypeName, call: Call): boolean {
  switch (type) {
    case 'Any':
      return true;
    case 'NonTransfer':
      return call.section !== 'balances';
    // Governance and Staking cover pallets this chain does not run.
    case 'Governance':
    case 'Staking':
      return false;
  }
}

/** A proxy may only add or remove proxies whose powers it holds itself. */
function isSuperset(held: ProxyTypeName, requested: ProxyTypeName): boolean {
  if (held === requested || held === 'Any') return true;
  if (requested === 'Any') return false;
  return held === 'NonTransfer';
}

function readProxies(ctx: DispatchContext, who: Uint8Array): ProxyDefinition[] {
  const stored = ctx.store.item('Proxy', 'Proxies').get(who) as unknown as [Codec[], Codec] | undefined;
  if (!stored) return [];
  return stored[0].map((d) => {
    const def = d as unknown as { delegate: Codec; proxyType: Codec; delay: Codec };
    return { delegate: def.delegate.toU8a(), proxyType: def.proxyType.toString() as ProxyTypeName, delay: BigInt(def.delay.toString()) };
  });
}

function writeProxies(ctx: DispatchContext, who: Uint8Array, proxies: ProxyDefinition[]): void {
  const item = ctx.store.item('Proxy', 'Proxies');
  if (proxies.length === 0) item.remove(who);
  else item.set([proxies, 0n], who);
}

function parseDefinition(delegate: Codec, proxyType: Codec, delay: Codec): ProxyDefinition {
  return { delegate: lookupAddress(delegate), proxyType: proxyType.toString() as ProxyTypeName, delay: BigInt(delay.toString()) };
}

const sameDefinition = (a: ProxyDefinition, b: ProxyDefinition) => u8aEq(a.delegate, b.delegate) && a.proxyType === b.proxyType && a.delay === b.delay;

/**
 * The origin filter a proxied call runs under, as pallet_proxy's do_proxy adds it: for the call and
 * every call nested in it (a batch's too), a proxy may not add or remove proxies with powers it
 * lacks, nor remove all proxies or kill pure ones unless it is Any; any other call passes its
 * type's filter. Checked for the outer call alone, a NonTransfer proxy could batch an add_proxy
 * of Any for itself and then move the funds.
 */
export function proxyFilterAllows(held: ProxyTypeName, call: Call): boolean {
  if (call.section === 'proxy') {
    if ((call.method === 'addProxy' || call.method === 'removeProxy') && !isSuperset(held, call.args[1].toString() as ProxyTypeName)) return false;
    if ((call.method === 'removeProxies' || call.method === 'killPure') && held !== 'Any') return false;
  }
  return proxyTypeAllows(held, call);
}

export const proxy: PalletModule = {
  name: 'Proxy',
  index: INDEX,
  describe(b, t) {
    const proxyDefinition = b.composite(
      'pallet_proxy::ProxyDefinition',
      [
        { name: 'delegate', type: t.accountId, typeName: 'AccountId' },
        { name: 'proxy_type', type: t.proxyType, typeName: 'ProxyType' },
        { name: 'delay', type: t.u64, typeName: 'BlockNumber' },
      ],
      [{ name: 'AccountId', type: t.accountId }, { name: 'ProxyType', type: t.proxyType }, { name: 'BlockNumber', type: t.u64 }],
    );
    const announcement = b.composite(
      'pallet_proxy::Announcement',
      [
        { name: 'real', type: t.accountId, typeName: 'AccountId' },
        { name: 'call_hash', type: t.h256, typeName: 'Hash' },
        { name: 'height', type: t.u64, typeName: 'BlockNumber' },
      ],
      [{ name: 'AccountId', type: t.accountId }, { name: 'Hash', type: t.h256 }, { name: 'BlockNumber', type: t.u64 }],
    );
    const bounded = (inner: number) => b.composite('bounded_collections::bounded_vec::BoundedVec', [{ type: b.sequence(inner), typeName: 'Vec<T>' }], [{ name: 'T', type: inner }, { name: 'S' }]);
    const delegate = { name: 'delegate', type: t.multiAddress, typeName: 'AccountIdLookupOf<T>' };
    const proxyType = { name: 'proxy_type', type: t.proxyType, typeName: 'T::ProxyType' };
    const delay = { name: 'delay', type: t.u64, typeName: 'BlockNumberFor<T>' };
    const account = (name: string) => ({ name, type: t.accountId, typeName: 'T::AccountId' });
    const zero = encodeU128(0n);
    const emptyFallback = new Uint8Array(17);
    return {
      modulePath: 'pallet_proxy::pallet',
      generics: ['T'],
      storage: [
        { name: 'Proxies', modifier: 'Default', type: { map: { hashers: ['Twox64Concat'], key: t.accountId, value: b.tuple(bounded(proxyDefinition), t.u128) } }, fallback: emptyFallback, docs: ['The set of account proxies and the deposit held for them.'] },
        { name: 'Announcements', modifier: 'Default', type: { map: { hashers: ['Twox64Concat'], key: t.accountId, value: b.tuple(bounded(announcement), t.u128) } }, fallback: emptyFallback, docs: ['The announcements made by the proxy (key).'] },
      ],
      calls: [
        { name: 'proxy', index: 0, args: [{ name: 'real', type: t.multiAddress, typeName: 'AccountIdLookupOf<T>' }, { name: 'force_proxy_type', type: b.option(t.proxyType), typeName: 'Option<T::ProxyType>' }, { name: 'call', type: t.runtimeCall, typeName: 'Box<<T as Config>::RuntimeCall>' }], docs: ['Dispatch the given call from an account that the sender is authorised for through add_proxy.'] },
        { name: 'add_proxy', index: 1, args: [delegate, proxyType, delay], docs: ['Register a proxy account for the sender.'] },
        { name: 'remove_proxy', index: 2, args: [delegate, proxyType, delay], docs: ['Unregister a proxy account for the sender.'] },
        { name: 'remove_proxies', index: 3, args: [], docs: ['Unregister all proxy accounts for the sender.'] },
      ],
      events: [
        { name: 'ProxyExecuted', index: 0, fields: [{ name: 'result', type: t.dispatchResult, typeName: 'DispatchResult' }] },
        { name: 'PureCreated', index: 1, fields: [account('pure'), account('who'), proxyType, { name: 'disambiguation_index', type: t.u16, typeName: 'u16' }] },
        { name: 'Announced', index: 2, fields: [account('real'), account('proxy'), { name: 'call_hash', type: t.h256, typeName: 'CallHashOf<T>' }] },
        { name: 'ProxyAdded', index: 3, fields: [account('delegator'), account('delegatee'), proxyType, delay] },
        { name: 'ProxyRemoved', index: 4, fields: [account('delegator'), account('delegatee'), proxyType, delay] },
      ],
      errors: ERRORS.map((name, index) => ({ name, index, docs: [ERROR_DOCS[name]] })),
      constants: [
        { name: 'ProxyDepositBase', type: t.u128, value: zero, docs: [] },
        { name: 'ProxyDepositFactor', type: t.u128, value: zero, docs: [] },
        { name: 'MaxProxies', type: t.u32, value: encodeU32(MAX_PROXIES), docs: [] },
        { name: 'MaxPending', type: t.u32, value: encodeU32(32), docs: [] },
        { name: 'AnnouncementDepositBase', type: t.u128, value: zero, docs: [] },
        { name: 'AnnouncementDepositFactor', type: t.u128, value: zero, docs: [] },
      ],
    };
  },
  handlers: {
    proxy: {
      weight: (call, weigh) => addWeights(weigh(call.args[2] as unknown as Call), weight(20_000_000, 3_700)),
      // pallet_proxy declares the proxied call's class as its own.
      class: (call, classify) => classify(call.args[2] as unknown as Call),
      run(ctx, origin, [real, forceType, call]) {
        const who = ensureSigned(origin);
        const realId = lookupAddress(real);
        const forced = (forceType as unknown as { isSome: boolean; unwrap(): Codec }).isSome ? ((forceType as unknown as { unwrap(): Codec }).unwrap().toString() as ProxyTypeName) : undefined;
        const def = readProxies(ctx, realId).find((d) => u8aEq(d.delegate, who) && (!forced || d.proxyType === forced));
        if (!def) throw fail('NotProxy');
        if (def.delay > 0n) throw fail('Unannounced');
        // The origin carries the proxy's type: ApplyContext.dispatch filters this call and every
        // one nested in it (proxyFilterAllows), answering CallFiltered as a node does.
        const failure = ctx.dispatch({ kind: 'signed', who: realId, proxyType: def.proxyType }, call as unknown as Call);
        ctx.deposit('Proxy', 'ProxyExecuted', [failure ? { Err: failure.error } : { Ok: null }]);
      },
    },
    add_proxy: {
      weight: () => weight(25_000_000, 4_700),
      run(ctx, origin, [delegate, proxyType, delay]) {
        const who = ensureSigned(origin);
        const def = parseDefinition(delegate, proxyType, delay);
        if (u8aEq(def.delegate, who)) throw fail('NoSelfProxy');
        const proxies = readProxies(ctx, who);
        if (proxies.some((p) => sameDefinition(p, def))) throw fail('Duplicate');
        if (proxies.length >= MAX_PROXIES) throw fail('TooMany');
        writeProxies(ctx, who, [...proxies, def]);
        ctx.deposit('Proxy', 'ProxyAdded', [who, def.delegate, def.proxyType, def.delay]);
      },
    },
    remove_proxy: {
      weight: () => weight(25_000_000, 4_700),
      run(ctx, origin, [delegate, proxyType, delay]) {
        const who = ensureSigned(origin);
        const def = parseDefinition(delegate, proxyType, delay);
        const proxies = readProxies(ctx, who);
        const kept = proxies.filter((p) => !sameDefinition(p, def));
        if (kept.length === proxies.length) throw fail('NotFound');
        writeProxies(ctx, who, kept);
        ctx.deposit('Proxy', 'ProxyRemoved', [who, def.delegate, def.proxyType, def.delay]);
      },
    },
    remove_proxies: {
      weight: () => weight(25_000_000, 4_700),
      run(ctx, origin) {
        writeProxies(ctx, ensureSigned(origin), []);
      },
    },
  },
};
