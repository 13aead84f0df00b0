// Assembles metadata V14 and V15 from the pallets' descriptions: the outer RuntimeCall /
// RuntimeEvent / RuntimeError enums, the extrinsic format with Hippius's signed extensions, and
// (V15) the runtime APIs this chain answers through state_call.
import type { CommonTypes } from './common-types';
import type { LookupBuilder, TypeId, VariantSpec } from './lookup';
import type { PalletDescription, PalletModule } from './pallet';
import { u8aToHex } from '@polkadot/util';

export const METADATA_MAGIC = 0x6174656d; // "meta"

export interface DescribedPallet {
  module: PalletModule;
  description: PalletDescription;
  callType?: TypeId;
  eventType?: TypeId;
  errorType?: TypeId;
}

export interface ExtrinsicTypes {
  uncheckedExtrinsic: TypeId;
  extra: TypeId;
  signedExtensions: { identifier: string; type: TypeId; additionalSigned: TypeId }[];
}

/** Defines each pallet's Call/Event/Error enums and the runtime's outer enums over them. */
export function defineOuterEnums(b: LookupBuilder, t: CommonTypes, pallets: DescribedPallet[]): void {
  for (const p of pallets) {
    const { modulePath, generics, calls, events, errors } = p.description;
    const params = generics.map((name) => ({ name }));
    if (calls.length) p.callType = b.variant(`${modulePath}::Call`, calls.map((c) => ({ name: c.name, index: c.index, fields: c.args, docs: c.docs })), params, ['Contains a variant per dispatchable extrinsic that this pallet has.']);
    if (events.length) p.eventType = b.variant(`${modulePath}::Event`, events, params, ['The `Event` enum of this pallet']);
    if (errors.length) p.errorType = b.variant(`${modulePath}::Error`, errors, params, ['The `Error` enum of this pallet.']);
  }
  const outer = (id: TypeId, name: string, pick: (p: DescribedPallet) => TypeId | undefined, typeName: (pallet: string) => string) => {
    const variants: VariantSpec[] = pallets
      .filter((p) => pick(p) !== undefined)
      .map((p) => ({ name: p.module.name, index: p.module.index, fields: [{ type: pick(p)!, typeName: typeName(p.module.name) }] }));
    b.defineVariant(id, `hippius_mainnet_runtime::${name}`, variants);
  };
  outer(t.runtimeCall, 'RuntimeCall', (p) => p.callType, (name) => `dispatch::CallableCallFor<${name}, Runtime>`);
  outer(t.runtimeEvent, 'RuntimeEvent', (p) => p.eventType, (name) => `${name}::Event<Runtime>`);
  outer(t.runtimeError, 'RuntimeError', (p) => p.errorType, (name) => `${name}::Error<Runtime>`);
}

/** The signed extensions in Hippius's order, and the extrinsic types built on them. */
export function defineExtrinsicTypes(b: LookupBuilder, t: CommonTypes): ExtrinsicTypes {
  const empty = (path: string) => b.composite(path, [], [{ name: 'T' }]);
  const era = b.variant('sp_runtime::generic::era::Era', [
    { name: 'Immortal', index: 0 },
    ...Array.from({ length: 255 }, (_, i) => ({ name: `Mortal${i + 1}`, index: i + 1, fields: [{ type: t.u8 }] })),
  ]);
  const mode = b.simpleEnum('frame_metadata_hash_extension::Mode', ['Disabled', 'Enabled']);
  const signedExtensions = [
    { identifier: 'CheckNonZeroSender', type: empty('frame_system::extensions::check_non_zero_sender::CheckNonZeroSender'), additionalSigned: t.unit },
    { identifier: 'CheckSpecVersion', type: empty('frame_system::extensions::check_spec_version::CheckSpecVersion'), additionalSigned: t.u32 },
    { identifier: 'CheckTxVersion', type: empty('frame_system::extensions::check_tx_version::CheckTxVersion'), additionalSigned: t.u32 },
    { identifier: 'CheckGenesis', type: empty('frame_system::extensions::check_genesis::CheckGenesis'), additionalSigned: t.h256 },
    { identifier: 'CheckMortality', type: b.composite('frame_system::extensions::check_mortality::CheckMortality', [{ type: era, typeName: 'Era' }], [{ name: 'T' }]), additionalSigned: t.h256 },
    { identifier: 'CheckNonce', type: b.composite('frame_system::extensions::check_nonce::CheckNonce', [{ type: t.compactU32, typeName: 'T::Nonce' }], [{ name: 'T' }]), additionalSigned: t.unit },
    { identifier: 'CheckWeight', type: empty('frame_system::extensions::check_weight::CheckWeight'), additionalSigned: t.unit },
    { identifier: 'ChargeTransactionPayment', type: b.composite('pallet_transaction_payment::ChargeTransactionPayment', [{ type: t.compactU128, typeName: 'BalanceOf<T>' }], [{ name: 'T' }]), additionalSigned: t.unit },
    { identifier: 'CheckMetadataHash', type: b.composite('frame_metadata_hash_extension::CheckMetadataHash', [{ name: 'mode', type: mode, typeName: 'Mode' }], [{ name: 'T' }]), additionalSigned: b.option(b.array(32, t.u8)) },
  ];
  const extra = b.tuple(...signedExtensions.map((e) => e.type));
  const params = [
    { name: 'Address', type: t.multiAddress },
    { name: 'Call', type: t.runtimeCall },
    { name: 'Signature', type: t.multiSignature },
    { name: 'Extra', type: extra },
  ];
  const inner = b.composite('sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic', [{ type: t.bytes }], params);
  // Hippius wraps the Substrate extrinsic in Frontier's self-contained one.
  const uncheckedExtrinsic = b.composite('fp_self_contained::unchecked_extrinsic::UncheckedExtrinsic', [{ type: inner, typeName: 'sp_runtime::generic::UncheckedExtrinsic<Address, Call, Signature, Extra>' }], params);
  return { uncheckedExtrinsic, extra, signedExtensions };
}

function palletJson(p: DescribedPallet, withDocs: boolean) {
  const { description: d, module } = p;
  const storage = d.storage.length
    ? {
        prefix: module.name,
        items: d.storage.map((s) => ({
          name: s.name,
          modifier: s.modifier,
          type: 'plain' in s.type ? { Plain: s.type.plain } : { Map: s.type.map },
          fallback: u8aToHex(s.fallback),
          docs: s.docs,
        })),
      }
    : null;
  return {
    name: module.name,
    storage,
    calls: p.callType === undefined ? null : { type: p.callType },
    events: p.eventType === undefined ? null : { type: p.eventType },
    constants: d.constants.map((c) => ({ name: c.name, type: c.type, value: u8aToHex(c.value), docs: c.docs })),
    errors: p.errorType === undefined ? null : { type: p.errorType },
    index: module.index,
    ...(withDocs ? { docs: [] } : {}),
  };
}

export interface RuntimeApiSpec {
  name: string;
  methods: { name: string; inputs: { name: string; type: TypeId }[]; output: TypeId; docs: string[] }[];
  docs: string[];
}

export function metadataV14Json(b: LookupBuilder, pallets: DescribedPallet[], extrinsic: ExtrinsicTypes, runtimeType: TypeId) {
  return {
    magicNumber: METADATA_MAGIC,
    metadata: {
      v14: {
        lookup: { types: b.types() },
        pallets: pallets.map((p) => palletJson(p, false)),
        extrinsic: { type: extrinsic.uncheckedExtrinsic, version: 4, signedExtensions: extrinsic.signedExtensions },
        type: runtimeType,
      },
    },
  };
}

export function metadataV15Json(b: LookupBuilder, t: CommonTypes, pallets: DescribedPallet[], extrinsic: ExtrinsicTypes, runtimeType: TypeId, apis: RuntimeApiSpec[]) {
  return {
    magicNumber: METADATA_MAGIC,
    metadata: {
      v15: {
        lookup: { types: b.types() },
        pallets: pallets.map((p) => palletJson(p, true)),
        extrinsic: {
          version: 4,
          addressType: t.multiAddress,
          callType: t.runtimeCall,
          signatureType: t.multiSignature,
          extraType: extrinsic.extra,
          signedExtensions: extrinsic.signedExtensions,
        },
        type: runtimeType,
        apis,
        outerEnums: { callType: t.runtimeCall, eventType: t.runtimeEvent, errorType: t.runtimeError },
        custom: { map: {} },
      },
    },
  };
}
