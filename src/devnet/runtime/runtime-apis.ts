// The runtime APIs described in metadata V15: the ones this chain answers through state_call.
import type { CommonTypes } from './common-types';
import type { LookupBuilder } from './lookup';
import type { RuntimeApiSpec } from './metadata';

export function defineRuntimeApis(b: LookupBuilder, t: CommonTypes): RuntimeApiSpec[] {
  const digest = b.types().find((x) => x.type.path.join('::') === 'sp_runtime::generic::digest::Digest')!.id;
  // The header type is part of the lookup (block-related APIs and tools refer to it).
  b.composite(
    'sp_runtime::generic::header::Header',
    [
      { name: 'parent_hash', type: t.h256, typeName: 'Hash::Output' },
      { name: 'number', type: t.compactU64, typeName: 'Number' },
      { name: 'state_root', type: t.h256, typeName: 'Hash::Output' },
      { name: 'extrinsics_root', type: t.h256, typeName: 'Hash::Output' },
      { name: 'digest', type: digest, typeName: 'Digest' },
    ],
    [{ name: 'Number', type: t.u64 }, { name: 'Hash' }],
  );
  const runtimeVersion = b.types().find((x) => x.type.path.join('::') === 'sp_version::RuntimeVersion')!.id;
  const dispatchClass = b.types().find((x) => x.type.path.join('::') === 'frame_support::dispatch::DispatchClass')!.id;
  const opaqueMetadata = b.composite('sp_core::OpaqueMetadata', [{ type: t.bytes, typeName: 'Vec<u8>' }]);
  const runtimeDispatchInfo = b.composite(
    'pallet_transaction_payment::types::RuntimeDispatchInfo',
    [
      { name: 'weight', type: t.weight, typeName: 'Weight' },
      { name: 'class', type: dispatchClass, typeName: 'DispatchClass' },
      { name: 'partial_fee', type: t.u128, typeName: 'Balance' },
    ],
    [{ name: 'Balance', type: t.u128 }, { name: 'Weight', type: t.weight }],
  );
  const extrinsic = b.composite('sp_runtime::OpaqueExtrinsic', [{ type: t.bytes, typeName: 'Vec<u8>' }]);
  const method = (name: string, inputs: [string, number][], output: number, docs: string) => ({
    name,
    inputs: inputs.map(([n, type]) => ({ name: n, type })),
    output,
    docs: [docs],
  });
  return [
    { name: 'Core', methods: [method('version', [], runtimeVersion, 'Returns the version of the runtime.')], docs: ['The `Core` runtime api that every Substrate runtime needs to implement.'] },
    {
      name: 'Metadata',
      methods: [
        method('metadata', [], opaqueMetadata, 'Returns the metadata of a runtime.'),
        method('metadata_at_version', [['version', t.u32]], b.option(opaqueMetadata), 'Returns the metadata at a given version.'),
        method('metadata_versions', [], b.sequence(t.u32), 'Returns the supported metadata versions.'),
      ],
      docs: ['The `Metadata` api trait that returns metadata for the runtime.'],
    },
    { name: 'AccountNonceApi', methods: [method('account_nonce', [['account', t.accountId]], t.u32, 'Get current account nonce of given `AccountId`.')], docs: ['The API to query account nonce.'] },
    {
      name: 'TransactionPaymentApi',
      methods: [method('query_info', [['uxt', extrinsic], ['len', t.u32]], runtimeDispatchInfo, 'Weight, class and partial fee of an extrinsic.')],
      docs: [],
    },
  ];
}
