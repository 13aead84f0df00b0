// Facts derived from one storage item (e.g. "which space has this name"), built for the item's
// latest version and reused until it changes. They live beside the state, never in it: the
// runtime reads storage exactly as the pallet does, this only saves repeating the same scan.
// One version is kept: every block retains its own state, so keeping facts for each version
// would hold one copy per block.
import type { StateStore } from './state-store';

export class DerivedIndex<T> {
  #version: object | undefined;
  #facts: T | undefined;
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
    if (version !== this.#version || this.#facts === undefined) {
      this.#facts = this.build(store);
      this.#version = version;
    }
    return this.#facts;
  }
}
