// What a pallet contributes to the runtime: its metadata description (built with the shared
// LookupBuilder) and the handlers that execute its calls. Adding a call = one entry in `calls`
// of the description plus one handler; metadata, decoding and dispatch follow from it.
import type { CommonTypes } from './common-types';
import type { FieldSpec, LookupBuilder, TypeId, VariantSpec } from './lookup';
import type { CallHandlerSpec } from './dispatch';

export type StorageHasher = 'Blake2_128' | 'Blake2_256' | 'Blake2_128Concat' | 'Twox128' | 'Twox256' | 'Twox64Concat' | 'Identity';

export interface StorageSpec {
  name: string;
  modifier: 'Optional' | 'Default';
  /** A plain value, or a map with one hasher per key part. */
  type: { plain: TypeId } | { map: { hashers: StorageHasher[]; key: TypeId; value: TypeId } };
  /** SCALE bytes returned for an absent Default value (0x00 for Optional, as a node reports). */
  fallback: Uint8Array;
  docs: string[];
}

export interface ConstantSpec {
  name: string;
  type: TypeId;
  value: Uint8Array;
  docs: string[];
}

export interface CallArgSpec extends FieldSpec {
  name: string;
}

export interface CallSpec {
  name: string;
  index: number;
  args: CallArgSpec[];
  docs: string[];
}

export interface PalletDescription {
  /** Rust module path that owns Call/Event/Error, e.g. `pallet_container_registry::pallet`. */
  modulePath: string;
  /** Generic parameters of the Call/Event/Error enums (`T`, or `T, I` for instanced pallets). */
  generics: string[];
  storage: StorageSpec[];
  calls: CallSpec[];
  events: VariantSpec[];
  errors: VariantSpec[];
  constants: ConstantSpec[];
}

export interface PalletModule {
  name: string;
  index: number;
  describe(b: LookupBuilder, t: CommonTypes): PalletDescription;
  /** Handlers keyed by snake_case call name, as the description names them. */
  handlers: Record<string, CallHandlerSpec>;
}

/** The fixed fallback for an Optional storage item. */
export const NONE_FALLBACK = new Uint8Array([0]);
