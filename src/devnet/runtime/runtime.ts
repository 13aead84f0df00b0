// The dev chain's runtime: the pallets it runs, at Hippius's indices, turned into metadata, a
// type registry, storage layouts, call handlers and event encoders. Everything about the
// runtime's shape is derived from the pallet modules listed here.
import { Metadata, TypeRegistry } from '@polkadot/types';
import type { Call } from '@polkadot/types/interfaces';
import { compactToU8a, u8aConcat } from '@polkadot/util';
import { defineCommonTypes, type CommonTypes } from './common-types';
import { RuntimeCodec } from './codec';
import type { CallHandlerSpec, DispatchClass, Weight } from './dispatch';
import { LookupBuilder, type TypeId } from './lookup';
import { defineExtrinsicTypes, defineOuterEnums, type DescribedPallet, metadataV14Json, metadataV15Json, type RuntimeApiSpec } from './metadata';
import type { PalletModule } from './pallet';
import type { StorageItemLayout } from '../state/state-store';
import { system } from './pallets/system';
import { timestamp } from './pallets/timestamp';
import { sudo } from './pallets/sudo';
import { balances } from './pallets/balances';
import { transactionPayment } from './pallets/transaction-payment';
import { utility } from './pallets/utility';
import { proxy } from './pallets/proxy';
import { containerRegistry } from './pallets/container-registry';
import { defineRuntimeApis } from './runtime-apis';

export const PALLETS: PalletModule[] = [system, timestamp, sudo, balances, transactionPayment, utility, proxy, containerRegistry];

interface EventLayout {
  prefix: Uint8Array;
  fieldTypes: TypeId[];
}

export class Runtime {
  readonly registry = new TypeRegistry();
  readonly codec = new RuntimeCodec(this.registry);
  readonly metadata: Metadata;
  readonly metadataV14: Uint8Array;
  readonly metadataV15: Uint8Array;
  readonly types: CommonTypes & { runtimeDispatchInfo: TypeId; header: TypeId; eventRecords: TypeId };
  readonly storageLayouts = new Map<string, StorageItemLayout>();
  readonly #events = new Map<string, EventLayout>();
  readonly #handlers = new Map<string, CallHandlerSpec>();

  constructor(pallets: PalletModule[] = PALLETS) {
    const b = new LookupBuilder();
    const t = defineCommonTypes(b);
    const described: DescribedPallet[] = pallets.map((module) => ({ module, description: module.describe(b, t) }));
    defineOuterEnums(b, t, described);
    const extrinsic = defineExtrinsicTypes(b, t);
    const runtimeType = b.composite('hippius_mainnet_runtime::Runtime', []);
    const apis: RuntimeApiSpec[] = defineRuntimeApis(b, t);

    // V14 is what state_getMetadata serves (Subsquid accepts only V14 there); the registry is
    // built from V15 so polkadot.js inside the node sees the same as clients that ask for it.
    const v14 = new Metadata(this.registry, metadataV14Json(b, described, extrinsic, runtimeType) as never);
    this.metadataV14 = v14.toU8a();
    this.metadata = new Metadata(this.registry, metadataV15Json(b, t, described, extrinsic, runtimeType, apis) as never);
    this.metadataV15 = this.metadata.toU8a();
    this.registry.setMetadata(this.metadata);

    const findType = (path: string) => b.types().find((x) => x.type.path.join('::') === path)!.id;
    const eventRecord = findType('frame_system::EventRecord');
    this.types = {
      ...t,
      runtimeDispatchInfo: findType('pallet_transaction_payment::types::RuntimeDispatchInfo'),
      header: findType('sp_runtime::generic::header::Header'),
      eventRecords: b.types().find((x) => 'sequence' in x.type.def && x.type.def.sequence.type === eventRecord)!.id,
    };
    this.#index(described, b);
  }

  #index(described: DescribedPallet[], b: LookupBuilder): void {
    const types = b.types();
    for (const { module, description } of described) {
      for (const s of description.storage) {
        if ('plain' in s.type) {
          this.storageLayouts.set(`${module.name}.${s.name}`, { pallet: module.name, name: s.name, hashers: [], keyTypes: [], valueType: s.type.plain });
          continue;
        }
        const { hashers, key, value } = s.type.map;
        const keyDef = types[key].type.def;
        const keyTypes = hashers.length > 1 && 'tuple' in keyDef ? keyDef.tuple : [key];
        this.storageLayouts.set(`${module.name}.${s.name}`, { pallet: module.name, name: s.name, hashers, keyTypes, valueType: value });
      }
      for (const e of description.events) {
        this.#events.set(`${module.name}.${e.name}`, { prefix: new Uint8Array([module.index, e.index]), fieldTypes: (e.fields ?? []).map((f) => f.type) });
      }
      for (const c of description.calls) {
        const handler = module.handlers[c.name];
        if (!handler) throw new Error(`${module.name}.${c.name} is described but has no handler`);
        this.#handlers.set(`${module.index}:${c.index}`, handler);
      }
    }
  }

  handler(call: Call): CallHandlerSpec {
    const handler = this.#handlers.get(`${call.callIndex[0]}:${call.callIndex[1]}`);
    if (!handler) throw new Error(`no handler for call ${call.section}.${call.method}`);
    return handler;
  }

  /** The weight a call declares, including the calls nested in it. */
  weigh = (call: Call): Weight => this.handler(call).weight(call, this.weigh);

  /** The dispatch class a call declares (a wrapper's may be the class of the call it wraps). */
  classify = (call: Call): DispatchClass => {
    const declared = this.handler(call).class ?? 'Normal';
    return typeof declared === 'function' ? declared(call, this.classify) : declared;
  };

  encodeEvent(pallet: string, event: string, fields: unknown[]): Uint8Array {
    const layout = this.#events.get(`${pallet}.${event}`);
    if (!layout) throw new Error(`unknown event ${pallet}.${event}`);
    if (fields.length !== layout.fieldTypes.length) throw new Error(`${pallet}.${event} has ${layout.fieldTypes.length} fields`);
    return u8aConcat(layout.prefix, ...fields.map((f, i) => this.codec.encode(layout.fieldTypes[i], f)));
  }

  /** Metadata as the Metadata runtime API returns it: OpaqueMetadata (a length-prefixed blob). */
  static opaque(metadata: Uint8Array): Uint8Array {
    return u8aConcat(compactToU8a(metadata.length), metadata);
  }
}

