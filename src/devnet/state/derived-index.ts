// Facts derived from one storage item (e.g. "which space has this name"), built once per version
// of the item and reused until it changes. They live beside the state, never in it: the runtime
// reads storage exactly as the pallet does, this only saves repeating the same scan.
import type { StateStore } from './state-store';

export class DerivedIndex<T> {
  readonly #built = new WeakMap<object, T>();
  #prefix: string | undefined;

  constructor(
    private readonly pallet: string,
    private readonly item: string,
    private readonly build: (store: StateStore) => T,
  ) {}

  /** The facts for the item as `store` sees it now. */
  get(store: StateStore): T {
    this.#prefix ??= store.item(this.pallet, this.item).prefixHex();
    const version = store.state.version(this.#prefix);
    if (!version) return this.build(store);
    let facts = this.#built.get(version);
    if (!facts) {
      facts = this.build(store);
      this.#built.set(version, facts);
    }
    return facts;
  }
}
