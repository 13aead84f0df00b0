// System (index 1): accounts, block bookkeeping and the extrinsic outcome events, with
// `remark`, `remark_with_event` and the root storage calls.
import { blake2AsU8a } from '@polkadot/util-crypto';
import type { Codec } from '@polkadot/types/types';
import { DispatchFailure, ensureSigned, type Origin, weight } from '../dispatch';
import type { PalletModule } from '../pallet';
import { NONE_FALLBACK } from '../pallet';
import { ACCOUNT_INFO_FALLBACK, accountDataType } from '../accounts';
import { encodeU64, encodeRuntimeVersionConstant } from '../constants';

const ensureRoot = (origin: Origin) => {
  if (origin.kind !== 'root') throw new DispatchFailure('BadOrigin');
};

export const system: PalletModule = {
  name: 'System',
  index: 1,
  describe(b, t) {
    const refCount = { type: t.u32, typeName: 'RefCount' };
    const accountData = accountDataType(b, t);
    const accountInfo = b.composite(
      'frame_system::AccountInfo',
      [
        { name: 'nonce', type: t.u32, typeName: 'Nonce' },
        { name: 'consumers', ...refCount },
        { name: 'providers', ...refCount },
        { name: 'sufficients', ...refCount },
        { name: 'data', type: accountData, typeName: 'AccountData' },
      ],
      [{ name: 'Nonce', type: t.u32 }, { name: 'AccountData', type: accountData }],
    );
    const perClassWeight = b.composite(
      'frame_support::dispatch::PerDispatchClass',
      ['normal', 'operational', 'mandatory'].map((name) => ({ name, type: t.weight, typeName: 'T' })),
      [{ name: 'T', type: t.weight }],
    );
    const engineId = b.array(4, t.u8);
    const digestItem = b.variant('sp_runtime::generic::digest::DigestItem', [
      { name: 'PreRuntime', index: 6, fields: [{ type: engineId, typeName: 'ConsensusEngineId' }, { type: t.bytes, typeName: 'Vec<u8>' }] },
      { name: 'Consensus', index: 4, fields: [{ type: engineId, typeName: 'ConsensusEngineId' }, { type: t.bytes, typeName: 'Vec<u8>' }] },
      { name: 'Seal', index: 5, fields: [{ type: engineId, typeName: 'ConsensusEngineId' }, { type: t.bytes, typeName: 'Vec<u8>' }] },
      { name: 'Other', index: 0, fields: [{ type: t.bytes, typeName: 'Vec<u8>' }] },
      { name: 'RuntimeEnvironmentUpdated', index: 8 },
    ]);
    const digest = b.composite('sp_runtime::generic::digest::Digest', [{ name: 'logs', type: b.sequence(digestItem), typeName: 'Vec<DigestItem>' }]);
    const phase = b.variant('frame_system::Phase', [
      { name: 'ApplyExtrinsic', index: 0, fields: [{ type: t.u32, typeName: 'u32' }] },
      { name: 'Finalization', index: 1 },
      { name: 'Initialization', index: 2 },
    ]);
    const eventRecord = b.composite(
      'frame_system::EventRecord',
      [
        { name: 'phase', type: phase, typeName: 'Phase' },
        { name: 'event', type: t.runtimeEvent, typeName: 'E' },
        { name: 'topics', type: b.sequence(t.h256), typeName: 'Vec<T>' },
      ],
      [{ name: 'E', type: t.runtimeEvent }, { name: 'T', type: t.h256 }],
    );
    const lastRuntimeUpgrade = b.composite('frame_system::LastRuntimeUpgradeInfo', [
      { name: 'spec_version', type: t.compactU32, typeName: 'codec::Compact<u32>' },
      { name: 'spec_name', type: t.str, typeName: 'Cow<\'static, str>' },
    ]);
    const codeUpgradeAuthorization = b.composite('frame_system::CodeUpgradeAuthorization', [
      { name: 'code_hash', type: t.h256, typeName: 'T::Hash' },
      { name: 'check_version', type: t.bool, typeName: 'bool' },
    ], [{ name: 'T' }]);
    const dbWeight = b.composite('sp_weights::RuntimeDbWeight', [
      { name: 'read', type: t.u64, typeName: 'u64' },
      { name: 'write', type: t.u64, typeName: 'u64' },
    ]);
    const apiId = b.array(8, t.u8);
    const runtimeVersion = b.composite('sp_version::RuntimeVersion', [
      { name: 'spec_name', type: t.str, typeName: 'Cow<\'static, str>' },
      { name: 'impl_name', type: t.str, typeName: 'Cow<\'static, str>' },
      { name: 'authoring_version', type: t.u32, typeName: 'u32' },
      { name: 'spec_version', type: t.u32, typeName: 'u32' },
      { name: 'impl_version', type: t.u32, typeName: 'u32' },
      { name: 'apis', type: b.composite('Cow', [{ type: b.sequence(b.tuple(apiId, t.u32)) }], [{ name: 'T' }]), typeName: 'ApisVec' },
      { name: 'transaction_version', type: t.u32, typeName: 'u32' },
      { name: 'state_version', type: t.u8, typeName: 'u8' },
    ]);
    const remark = { name: 'remark', type: t.bytes, typeName: 'Vec<u8>' };
    return {
      modulePath: 'frame_system::pallet',
      generics: ['T'],
      storage: [
        { name: 'Account', modifier: 'Default', type: { map: { hashers: ['Blake2_128Concat'], key: t.accountId, value: accountInfo } }, fallback: ACCOUNT_INFO_FALLBACK, docs: ['The full account information for a particular account ID.'] },
        { name: 'ExtrinsicCount', modifier: 'Optional', type: { plain: t.u32 }, fallback: NONE_FALLBACK, docs: [] },
        { name: 'InherentsApplied', modifier: 'Default', type: { plain: t.bool }, fallback: new Uint8Array([0]), docs: [] },
        { name: 'BlockWeight', modifier: 'Default', type: { plain: perClassWeight }, fallback: new Uint8Array(6), docs: [] },
        { name: 'AllExtrinsicsLen', modifier: 'Optional', type: { plain: t.u32 }, fallback: NONE_FALLBACK, docs: [] },
        { name: 'BlockHash', modifier: 'Default', type: { map: { hashers: ['Twox64Concat'], key: t.u64, value: t.h256 } }, fallback: new Uint8Array(32), docs: [] },
        { name: 'ExtrinsicData', modifier: 'Default', type: { map: { hashers: ['Twox64Concat'], key: t.u32, value: t.bytes } }, fallback: new Uint8Array([0]), docs: [] },
        { name: 'Number', modifier: 'Default', type: { plain: t.u64 }, fallback: new Uint8Array(8), docs: [] },
        { name: 'ParentHash', modifier: 'Default', type: { plain: t.h256 }, fallback: new Uint8Array(32), docs: [] },
        { name: 'Digest', modifier: 'Default', type: { plain: digest }, fallback: new Uint8Array([0]), docs: [] },
        { name: 'Events', modifier: 'Default', type: { plain: b.sequence(eventRecord) }, fallback: new Uint8Array([0]), docs: [] },
        { name: 'EventCount', modifier: 'Default', type: { plain: t.u32 }, fallback: new Uint8Array(4), docs: [] },
        { name: 'EventTopics', modifier: 'Default', type: { map: { hashers: ['Blake2_128Concat'], key: t.h256, value: b.sequence(b.tuple(t.u64, t.u32)) } }, fallback: new Uint8Array([0]), docs: [] },
        { name: 'LastRuntimeUpgrade', modifier: 'Optional', type: { plain: lastRuntimeUpgrade }, fallback: NONE_FALLBACK, docs: [] },
        { name: 'UpgradedToU32RefCount', modifier: 'Default', type: { plain: t.bool }, fallback: new Uint8Array([0]), docs: [] },
        { name: 'UpgradedToTripleRefCount', modifier: 'Default', type: { plain: t.bool }, fallback: new Uint8Array([0]), docs: [] },
        { name: 'ExecutionPhase', modifier: 'Optional', type: { plain: phase }, fallback: NONE_FALLBACK, docs: [] },
        { name: 'AuthorizedUpgrade', modifier: 'Optional', type: { plain: codeUpgradeAuthorization }, fallback: NONE_FALLBACK, docs: [] },
      ],
      calls: [
        { name: 'remark', index: 0, args: [remark], docs: ['Make some on-chain remark.'] },
        { name: 'set_storage', index: 4, args: [{ name: 'items', type: b.sequence(b.tuple(t.bytes, t.bytes)), typeName: 'Vec<KeyValue>' }], docs: ['Set some items of storage (root only).'] },
        { name: 'kill_storage', index: 5, args: [{ name: 'keys', type: b.sequence(t.bytes), typeName: 'Vec<Key>' }], docs: ['Kill some items from storage (root only).'] },
        { name: 'kill_prefix', index: 6, args: [{ name: 'prefix', type: t.bytes, typeName: 'Key' }, { name: 'subkeys', type: t.u32, typeName: 'u32' }], docs: ['Kill all storage items with a key that starts with the given prefix (root only).'] },
        { name: 'remark_with_event', index: 7, args: [remark], docs: ['Make some on-chain remark and emit an event.'] },
      ],
      events: [
        { name: 'ExtrinsicSuccess', index: 0, fields: [{ name: 'dispatch_info', type: t.dispatchInfo, typeName: 'DispatchInfo' }] },
        { name: 'ExtrinsicFailed', index: 1, fields: [{ name: 'dispatch_error', type: t.dispatchError, typeName: 'DispatchError' }, { name: 'dispatch_info', type: t.dispatchInfo, typeName: 'DispatchInfo' }] },
        { name: 'CodeUpdated', index: 2 },
        { name: 'NewAccount', index: 3, fields: [{ name: 'account', type: t.accountId, typeName: 'T::AccountId' }] },
        { name: 'KilledAccount', index: 4, fields: [{ name: 'account', type: t.accountId, typeName: 'T::AccountId' }] },
        { name: 'Remarked', index: 5, fields: [{ name: 'sender', type: t.accountId, typeName: 'T::AccountId' }, { name: 'hash', type: t.h256, typeName: 'T::Hash' }] },
        { name: 'UpgradeAuthorized', index: 6, fields: [{ name: 'code_hash', type: t.h256, typeName: 'T::Hash' }, { name: 'check_version', type: t.bool, typeName: 'bool' }] },
      ],
      errors: ['InvalidSpecName', 'SpecVersionNeedsToIncrease', 'FailedToExtractRuntimeVersion', 'NonDefaultComposite', 'NonZeroRefCount', 'CallFiltered', 'MultiBlockMigrationsOngoing', 'NothingAuthorized', 'Unauthorized'].map((name, index) => ({ name, index, docs: name === 'CallFiltered' ? ['The origin filter prevents the call to be dispatched.'] : [] })),
      constants: [
        { name: 'BlockHashCount', type: t.u64, value: encodeU64(BLOCK_HASH_COUNT), docs: ['Maximum number of block number to block hash mappings to keep.'] },
        { name: 'DbWeight', type: dbWeight, value: new Uint8Array([...encodeU64(25_000_000n), ...encodeU64(100_000_000n)]), docs: [] },
        { name: 'Version', type: runtimeVersion, value: encodeRuntimeVersionConstant(), docs: ['Get the chain\'s in-code version.'] },
        { name: 'SS58Prefix', type: t.u16, value: new Uint8Array([42, 0]), docs: [] },
      ],
    };
  },
  handlers: {
    remark: {
      weight: (call) => weight(1_000_000 + call.encodedLength * 100),
      run(_ctx, origin) {
        ensureSigned(origin);
      },
    },
    remark_with_event: {
      weight: (call) => weight(5_000_000 + call.encodedLength * 100),
      run(ctx, origin, [remark]) {
        const sender = ensureSigned(origin);
        ctx.deposit('System', 'Remarked', [sender, blake2AsU8a(remark.toU8a(true))]);
      },
    },
    set_storage: {
      weight: () => weight(10_000_000),
      // frame_system declares its root-only storage calls Operational.
      class: 'Operational',
      run(ctx, origin, [items]) {
        ensureRoot(origin);
        for (const [key, value] of items as unknown as [Codec, Codec][]) ctx.store.setRaw(key.toHex(), value.toU8a(true));
      },
    },
    kill_storage: {
      weight: () => weight(10_000_000),
      class: 'Operational',
      run(ctx, origin, [keys]) {
        ensureRoot(origin);
        for (const key of keys as unknown as Codec[]) ctx.store.setRaw(key.toHex(), undefined);
      },
    },
    kill_prefix: {
      weight: () => weight(10_000_000),
      class: 'Operational',
      run(ctx, origin, [prefix]) {
        ensureRoot(origin);
        for (const key of ctx.store.state.sortedKeys(prefix.toHex())) ctx.store.setRaw(key, undefined);
      },
    },
  },
};

export const BLOCK_HASH_COUNT = 256n;
