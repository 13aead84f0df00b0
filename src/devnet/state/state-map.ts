// A block's storage: an immutable map, so every block keeps its own state for historical
// queries while sharing unchanged parts with its parent. Keys are grouped by their 32-byte
// pallet+item prefix so iterating one storage item never scans the others.
import { Map as ImmutableMap } from 'immutable';

const PREFIX_HEX_LENGTH = 2 + 64; // "0x" + 32 bytes

type Group = ImmutableMap<string, Uint8Array>;

export class StateMap {
  private constructor(private readonly groups: ImmutableMap<string, Group>) {}

  static empty(): StateMap {
    return new StateMap(ImmutableMap());
  }

  get(key: string): Uint8Array | undefined {
    const [prefix, suffix] = split(key);
    return this.groups.get(prefix)?.get(suffix);
  }

  set(key: string, value: Uint8Array | undefined): StateMap {
    const [prefix, suffix] = split(key);
    const group = this.groups.get(prefix) ?? ImmutableMap<string, Uint8Array>();
    const next = value === undefined ? group.delete(suffix) : group.set(suffix, value);
    if (next === group) return this;
    return new StateMap(next.size === 0 ? this.groups.delete(prefix) : this.groups.set(prefix, next));
  }

  /** Every entry whose key starts with `prefix`, in no particular order. */
  *entries(prefix: string): Generator<[string, Uint8Array]> {
    const p = prefix.toLowerCase();
    if (p.length >= PREFIX_HEX_LENGTH) {
      const [groupKey, rest] = split(p);
      const group = this.groups.get(groupKey);
      if (!group) return;
      for (const [suffix, value] of group) if (suffix.startsWith(rest)) yield [groupKey + suffix, value];
      return;
    }
    for (const [groupKey, group] of this.groups) {
      if (groupKey !== '' && !groupKey.startsWith(p)) continue;
      for (const [suffix, value] of group) {
        const key = groupKey + suffix;
        if (key.startsWith(p)) yield [key, value];
      }
    }
  }

  /**
   * An object that stays the same while no key under this 32-byte storage-item prefix changes,
   * and is replaced when one does: a key for facts derived from the item (see derived-index.ts).
   */
  version(itemPrefix: string): object | undefined {
    return this.groups.get(itemPrefix.toLowerCase());
  }

  /** Keys under `prefix`, sorted as a node's trie iterates them. */
  sortedKeys(prefix: string): string[] {
    return Array.from(this.entries(prefix), ([key]) => key).sort();
  }
}

function split(key: string): [string, string] {
  const k = key.toLowerCase();
  if (k.length < PREFIX_HEX_LENGTH) return ['', k];
  return [k.slice(0, PREFIX_HEX_LENGTH), k.slice(PREFIX_HEX_LENGTH)];
}
