// The mutable view of state that one block's execution works on: typed storage items,
// transactional snapshots (a failed call leaves nothing behind) and the set of keys written,
// which becomes the block's persisted diff.
import type { Codec } from '@polkadot/types/types';
import type { RuntimeCodec } from '../runtime/codec';
import type { TypeId } from '../runtime/lookup';
import type { StorageHasher } from '../runtime/pallet';
import { hashKeyPart, keyHex, storagePrefix } from './storage-key';
import { StateMap } from './state-map';
import { u8aToHex } from '@polkadot/util';

export interface StorageItemLayout {
  pallet: string;
  name: string;
  hashers: StorageHasher[];
  /** One type per key part (empty for plain values). */
  keyTypes: TypeId[];
  valueType: TypeId;
}

export class StateStore {
  readonly written = new Set<string>();

  constructor(
    public state: StateMap,
    readonly codec: RuntimeCodec,
    private readonly layouts: ReadonlyMap<string, StorageItemLayout>,
  ) {}

  getRaw(key: string): Uint8Array | undefined {
    return this.state.get(key);
  }

  setRaw(key: string, value: Uint8Array | undefined): void {
    this.state = this.state.set(key, value);
    this.written.add(key.toLowerCase());
  }

  item(pallet: string, name: string): StorageItem {
    const layout = this.layouts.get(`${pallet}.${name}`);
    if (!layout) throw new Error(`unknown storage item ${pallet}.${name}`);
    return new StorageItem(this, layout);
  }

  /** The keys and values this store changed, for the block's diff. */
  diff(): [string, Uint8Array | null][] {
    return [...this.written].sort().map((key) => [key, this.state.get(key) ?? null]);
  }
}

const decodedCache = new WeakMap<Uint8Array, Codec>();

export class StorageItem {
  readonly #prefix: Uint8Array;

  constructor(
    private readonly store: StateStore,
    readonly layout: StorageItemLayout,
  ) {
    this.#prefix = storagePrefix(layout.pallet, layout.name);
  }

  key(...keys: unknown[]): string {
    const { hashers, keyTypes } = this.layout;
    if (keys.length !== keyTypes.length) throw new Error(`${this.layout.name} takes ${keyTypes.length} keys`);
    return keyHex([this.#prefix, ...keys.map((k, i) => hashKeyPart(hashers[i], this.store.codec.encode(keyTypes[i], k)))]);
  }

  prefixHex(): string {
    return u8aToHex(this.#prefix);
  }

  get(...keys: unknown[]): Codec | undefined {
    const raw = this.store.getRaw(this.key(...keys));
    return raw === undefined ? undefined : this.decode(raw);
  }

  set(value: unknown, ...keys: unknown[]): void {
    this.store.setRaw(this.key(...keys), this.store.codec.encode(this.layout.valueType, value));
  }

  remove(...keys: unknown[]): void {
    this.store.setRaw(this.key(...keys), undefined);
  }

  /** Every value of a map, decoded, with its full key (order: unspecified). */
  *values(): Generator<[string, Codec]> {
    for (const [key, raw] of this.store.state.entries(this.prefixHex())) yield [key, this.decode(raw)];
  }

  decode(raw: Uint8Array): Codec {
    let value = decodedCache.get(raw);
    if (!value) {
      value = this.store.codec.decode(this.layout.valueType, raw);
      decodedCache.set(raw, value);
    }
    return value;
  }
}
