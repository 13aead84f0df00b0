// SCALE encoding and decoding of runtime types by their lookup id, through @polkadot/types
// with the registry built from the runtime's own metadata.
import type { TypeRegistry } from '@polkadot/types';
import type { Codec } from '@polkadot/types/types';
import type { TypeId } from './lookup';
import { u8aToHex } from '@polkadot/util';

export class RuntimeCodec {
  readonly #names = new Map<TypeId, string>();

  constructor(readonly registry: TypeRegistry) {}

  typeName(id: TypeId): string {
    let name = this.#names.get(id);
    if (!name) {
      name = this.registry.createLookupType(id);
      this.#names.set(id, name);
    }
    return name;
  }

  /** Builds a value; byte arrays anywhere in it are content, never SCALE (see asContent). */
  create(id: TypeId, value: unknown): Codec {
    return this.registry.createTypeUnsafe(this.typeName(id), [asContent(value)]);
  }

  encode(id: TypeId, value: unknown): Uint8Array {
    return this.create(id, value).toU8a();
  }

  decode(id: TypeId, bytes: Uint8Array): Codec {
    return this.registry.createTypeUnsafe(this.typeName(id), [bytes]);
  }
}

/**
 * @polkadot/types reads a Uint8Array given for `Vec<u8>` as SCALE (length-prefixed) but a hex
 * string as the bytes themselves; handlers always mean the bytes themselves.
 */
function asContent(value: unknown): unknown {
  if (value instanceof Uint8Array) return u8aToHex(value);
  if (Array.isArray(value)) return value.map(asContent);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asContent(v)]));
  }
  return value;
}
